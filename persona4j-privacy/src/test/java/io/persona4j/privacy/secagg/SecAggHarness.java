/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.secagg;

import io.persona4j.privacy.RandomSource;
import io.persona4j.privacy.secagg.Messages.KeyDirectory;
import io.persona4j.privacy.secagg.Messages.MaskedInput;
import io.persona4j.privacy.secagg.Messages.Result;
import io.persona4j.privacy.secagg.Messages.SurvivorList;
import java.util.Map;
import java.util.TreeSet;

/**
 * Drives one in-memory round. {@code dropAt} maps a client to the first stage whose message it
 * never sends (it is silent from then on).
 */
final class SecAggHarness {
  final SecAggConfig config;
  final SecAggServer server;
  final SecAggClient[] clients;
  final Map<Integer, Stage> dropAt;
  final TreeSet<Integer> sentInput = new TreeSet<>();
  MaskedInput[] maskedInputs;

  SecAggHarness(SecAggConfig config, Map<Integer, Stage> dropAt, long seed) {
    this.config = config;
    this.server = new SecAggServer(config);
    this.clients = new SecAggClient[config.clients() + 1];
    this.dropAt = dropAt;
    for (int i = 1; i <= config.clients(); i++) {
      clients[i] =
          new SecAggClient(config, i, RandomSource.deterministicForTesting(seed * 1000 + i));
    }
    this.maskedInputs = new MaskedInput[config.clients() + 1];
  }

  private boolean active(int id, Stage stage) {
    Stage d = dropAt.get(id);
    return d == null || d.ordinal() > stage.ordinal();
  }

  /** Runs the whole round; inputs[i] is client i's input (index 0 unused). */
  Result run(float[][] inputs) {
    for (int i = 1; i <= config.clients(); i++) {
      if (active(i, Stage.ADVERTISE_KEYS)) {
        server.receive(clients[i].advertiseKeys());
      }
    }
    KeyDirectory dir = server.closeAdvertiseKeys();
    for (int i : dir.keys().keySet()) {
      if (active(i, Stage.SHARE_KEYS)) {
        server.receive(clients[i].shareKeys(dir));
      }
    }
    server.closeShareKeys();
    for (int i = 1; i <= config.clients(); i++) {
      if (clients[i].stage() == Stage.MASKED_INPUT && active(i, Stage.MASKED_INPUT)) {
        maskedInputs[i] = clients[i].maskedInput(server.deliveryFor(i), inputs[i]);
        server.receive(maskedInputs[i]);
        sentInput.add(i);
      }
    }
    SurvivorList survivors = server.closeMaskedInput();
    for (int i : survivors.maskedInputSenders()) {
      if (active(i, Stage.UNMASKING)) {
        server.receive(clients[i].unmask(survivors));
      }
    }
    return server.closeUnmasking();
  }
}
