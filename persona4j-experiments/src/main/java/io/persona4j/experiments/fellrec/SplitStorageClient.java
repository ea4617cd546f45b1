/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import io.persona4j.federated.ClientApp;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.TensorSpec;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * FELLRec's flexible storage on the adapter level: the LoRA tensors of the client-held layers (the
 * first {@code k} transformer layers and the last one, next to the embedding table and the LM head)
 * stay on the client and are never sent; only the middle layers' tensors travel and are aggregated.
 *
 * <p>A decorator around another {@link ClientApp} that trains the full adapter: an incoming
 * instruction carries the shared tensors only; they are merged with the client's private ones (in
 * the adapter's order), the inner client trains, the private part of its result is kept, and the
 * reply carries the shared part only. (The forward/backward split of the frozen base itself, with
 * activations crossing the network, is not simulated here: the base is frozen and identical on
 * every party, so it does not change what is learned.)
 */
public final class SplitStorageClient implements ClientApp {
  private static final Pattern LAYER = Pattern.compile("\\.layers\\.(\\d+)\\.");

  private final ClientApp inner;
  private final Predicate<String> held;
  private final List<String> order;
  private ParameterSet privateParameters;

  /**
   * @param inner the client training the whole adapter
   * @param initial the whole adapter's initial tensors (names in adapter order); the client keeps
   *     its held part
   * @param clientLayers k: the first k layers and the last one are client-held
   * @param numLayers transformer layers of the model
   */
  public SplitStorageClient(
      ClientApp inner, ParameterSet initial, int clientLayers, int numLayers) {
    this.inner = Objects.requireNonNull(inner, "inner");
    this.held = clientHeld(clientLayers, numLayers);
    this.order = initial.names();
    this.privateParameters = select(initial, held);
  }

  /**
   * Whether a tensor name belongs to a client-held layer: layer index {@code < clientLayers} or
   * {@code == numLayers - 1}; a tensor outside any layer (embedding, head) is client-held too.
   */
  public static Predicate<String> clientHeld(int clientLayers, int numLayers) {
    if (clientLayers < 0 || clientLayers + 1 >= numLayers) {
      throw new IllegalArgumentException(
          "clientLayers must be in [0, numLayers - 2], got "
              + clientLayers
              + " for "
              + numLayers
              + " layers");
    }
    return name -> {
      Matcher m = LAYER.matcher(name);
      if (!m.find()) {
        return true;
      }
      int layer = Integer.parseInt(m.group(1));
      return layer < clientLayers || layer == numLayers - 1;
    };
  }

  /** The tensors of {@code set} whose names satisfy {@code keep}, in order. */
  public static ParameterSet select(ParameterSet set, Predicate<String> keep) {
    ParameterSet.Builder b = ParameterSet.builder();
    for (TensorSpec s : set.specs()) {
      if (keep.test(s.name())) {
        b.add(s, set.values(s.name()));
      }
    }
    return b.build();
  }

  /** The shared (server-side) part of {@code full}. */
  public static ParameterSet shared(ParameterSet full, int clientLayers, int numLayers) {
    return select(full, clientHeld(clientLayers, numLayers).negate());
  }

  /** The client's private tensors now. */
  public synchronized ParameterSet privateParameters() {
    return privateParameters;
  }

  /** The whole adapter: {@code shared} with this client's private tensors, in adapter order. */
  public synchronized ParameterSet merged(ParameterSet shared) {
    ParameterSet.Builder b = ParameterSet.builder();
    for (String name : order) {
      ParameterSet from = held.test(name) ? privateParameters : shared;
      b.add(from.spec(name), from.values(name));
    }
    return b.build();
  }

  @Override
  public synchronized Reply fit(Instruction in) throws Exception {
    Reply r = inner.fit(withParameters(in, merged(in.parameters())));
    if (r.isError()) {
      return r;
    }
    privateParameters = select(r.parameters(), held);
    return new Reply(
        r.clientId(),
        r.round(),
        select(r.parameters(), held.negate()),
        r.numExamples(),
        r.metrics(),
        null);
  }

  @Override
  public synchronized Reply evaluate(Instruction in) throws Exception {
    return inner.evaluate(withParameters(in, merged(in.parameters())));
  }

  private static Instruction withParameters(Instruction in, ParameterSet p) {
    return new Instruction(in.task(), in.round(), in.clientId(), p, in.config());
  }
}
