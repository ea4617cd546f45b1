/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.federated.ClientApp;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** FELLRec's client-held layers never leave the client and survive between rounds. */
class SplitStorageClientTest {
  static final String P = "base_model.model.model.layers.";

  /** One 2-value tensor per layer 0..3: layer i starts at (i, i). */
  static ParameterSet full() {
    ParameterSet.Builder b = ParameterSet.builder();
    for (int i = 0; i < 4; i++) {
      b.add(P + i + ".self_attn.q_proj.lora_A.weight", new int[] {1, 2}, new float[] {i, i});
    }
    return b.build();
  }

  /** Adds 10 to every value and records what it was given. */
  static final class PlusTen implements ClientApp {
    final List<ParameterSet> seen = new ArrayList<>();

    @Override
    public Reply fit(Instruction in) {
      seen.add(in.parameters());
      ParameterSet p = in.parameters();
      float[] flat = p.flatten();
      for (int i = 0; i < flat.length; i++) {
        flat[i] += 10;
      }
      return Reply.ok(in, p.withFlatValues(flat), 3, Map.of(Reply.LOSS, 1.0));
    }

    @Override
    public Reply evaluate(Instruction in) {
      seen.add(in.parameters());
      return Reply.ok(in, ParameterSet.empty(), 3, Map.of(Reply.LOSS, 2.0));
    }
  }

  @Test
  void firstKAndLastLayersAreClientHeld() {
    Predicate<String> held = SplitStorageClient.clientHeld(1, 4);
    assertThat(held.test(P + "0.self_attn.q_proj.lora_A.weight")).isTrue();
    assertThat(held.test(P + "1.self_attn.q_proj.lora_A.weight")).isFalse();
    assertThat(held.test(P + "2.self_attn.v_proj.lora_B.weight")).isFalse();
    assertThat(held.test(P + "3.self_attn.q_proj.lora_A.weight")).isTrue();
    assertThat(held.test("base_model.model.lm_head.weight")).isTrue();
    assertThat(SplitStorageClient.clientHeld(0, 4).test(P + "0.x")).isFalse();
    assertThatThrownBy(() -> SplitStorageClient.clientHeld(3, 4))
        .hasMessageContaining("clientLayers must be in [0, numLayers - 2], got 3 for 4 layers");
  }

  @Test
  void onlyMiddleLayersTravelAndThePrivatePartIsKeptAcrossRounds() throws Exception {
    PlusTen inner = new PlusTen();
    SplitStorageClient client = new SplitStorageClient(inner, full(), 1, 4);
    ParameterSet shared = SplitStorageClient.shared(full(), 1, 4);
    assertThat(shared.names())
        .containsExactly(
            P + "1.self_attn.q_proj.lora_A.weight", P + "2.self_attn.q_proj.lora_A.weight");

    // The server sends (100, 100) for the middle layers.
    ParameterSet fromServer = shared.withFlatValues(new float[] {100, 100, 100, 100});
    Reply r = client.fit(Instruction.fit(1, "c", fromServer, Map.of()));
    // The inner client trained the whole adapter in model order: own layers 0 and 3 + server's.
    assertThat(inner.seen.get(0).names()).isEqualTo(full().names());
    assertThat(inner.seen.get(0).flatten()).containsExactly(0, 0, 100, 100, 100, 100, 3, 3);
    // The reply holds the middle layers only.
    assertThat(r.parameters().names()).isEqualTo(shared.names());
    assertThat(r.parameters().flatten()).containsExactly(110, 110, 110, 110);
    assertThat(r.numExamples()).isEqualTo(3);
    assertThat(client.privateParameters().flatten()).containsExactly(10, 10, 13, 13);

    // Round 2 starts from the trained private layers.
    client.fit(Instruction.fit(2, "c", fromServer, Map.of()));
    assertThat(inner.seen.get(1).flatten()).containsExactly(10, 10, 100, 100, 100, 100, 13, 13);
    assertThat(client.privateParameters().flatten()).containsExactly(20, 20, 23, 23);

    // Evaluation uses the private layers but changes nothing.
    Reply e =
        client.evaluate(new Instruction(Instruction.Task.EVALUATE, 3, "c", fromServer, Map.of()));
    assertThat(e.metrics()).containsEntry(Reply.LOSS, 2.0);
    assertThat(inner.seen.get(2).flatten()).containsExactly(20, 20, 100, 100, 100, 100, 23, 23);
    assertThat(client.privateParameters().flatten()).containsExactly(20, 20, 23, 23);
  }
}
