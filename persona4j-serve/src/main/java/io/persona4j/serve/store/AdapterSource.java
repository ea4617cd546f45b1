/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

/**
 * Where an entry came from: typed (what produced it, which run, which round) with a free-form note.
 *
 * @param type what produced the entry
 * @param run the producing run's identifier (a training output, a federated run id), or null
 * @param round the federated round, or null; only with {@link Type#FEDERATED}
 * @param note free text (e.g. the command line), or null
 */
public record AdapterSource(Type type, String run, Integer round, String note) {
  /** What produced an entry. */
  public enum Type {
    /** Published by hand ({@code store put}) or by a program that says nothing more. */
    MANUAL,
    /** A local training run ({@code persona4j train --publish-to}). */
    TRAINING,
    /** A federated run, after a round (e.g. a FELLRec client's personalized adapter). */
    FEDERATED,
    /** Online enrolment of a user from a few examples (PLoRA). */
    ENROLMENT
  }

  /**
   * @throws IllegalArgumentException naming the field for a missing type, a round that is negative
   *     or given for a non-federated source, or text that is too long or holds control characters
   */
  public AdapterSource {
    if (type == null) {
      throw new IllegalArgumentException("source type is required (one of MANUAL, TRAINING, ...)");
    }
    run = StoreInputs.optionalText(run, "source run", StoreInputs.MAX_SOURCE_RUN);
    note = StoreInputs.optionalText(note, "source note", StoreInputs.MAX_SOURCE_NOTE);
    if (round != null) {
      if (type != Type.FEDERATED) {
        throw new IllegalArgumentException(
            "source round = " + round + " is only meaningful for a FEDERATED source, not " + type);
      }
      if (round < 0) {
        throw new IllegalArgumentException("source round = " + round + " must be >= 0");
      }
    }
  }

  /** A hand-published entry with an optional note. */
  public static AdapterSource manual(String note) {
    return new AdapterSource(Type.MANUAL, null, null, note);
  }

  /** An entry from training run {@code run}. */
  public static AdapterSource training(String run, String note) {
    return new AdapterSource(Type.TRAINING, run, null, note);
  }

  /** An entry from round {@code round} of federated run {@code run}. */
  public static AdapterSource federated(String run, int round, String note) {
    return new AdapterSource(Type.FEDERATED, run, round, note);
  }

  /** An entry fitted by online enrolment. */
  public static AdapterSource enrolment(String run, String note) {
    return new AdapterSource(Type.ENROLMENT, run, null, note);
  }

  /** {@code type[ run][ round N]}, for listings. */
  public String describe() {
    StringBuilder b = new StringBuilder(type.name().toLowerCase(java.util.Locale.ROOT));
    if (run != null) {
      b.append(' ').append(run);
    }
    if (round != null) {
      b.append(" round ").append(round);
    }
    return b.toString();
  }
}
