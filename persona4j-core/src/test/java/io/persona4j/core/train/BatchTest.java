/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchTest {
  @Test
  void completionsAreRightPaddedShiftedAndMaskedToCompletionTokens() {
    // prompt (1, 5, 6), completion (7, 2): ids 1 5 6 7 2, labels -100 -100 -100 7 2.
    // Logits at position i predict labels[i + 1]: positions 2 -> 7 and 3 -> 2 count.
    Example a = Example.completion(new long[] {1, 5, 6}, new long[] {7, 2});
    Example b = Example.text(new long[] {1, 9, 2}); // every next token counts: 1 -> 9, 9 -> 2
    Batch batch = Batch.of(List.of(a, b), 0);
    assertThat(batch.size()).isEqualTo(2);
    assertThat(batch.length()).isEqualTo(5);
    assertThat(batch.targetCount()).isEqualTo(4);
    assertThat(batch.tokenCount()).isEqualTo(8);
    try (NDManager m = TensorRuntime.newManager()) {
      assertThat(batch.ids(m).toLongArray()).containsExactly(1, 5, 6, 7, 2, 1, 9, 2, 0, 0);
      assertThat(batch.attentionMask(m).toLongArray())
          .containsExactly(1, 1, 1, 1, 1, 1, 1, 1, 0, 0);
      assertThat(batch.targets(m).toLongArray()).containsExactly(0, 0, 7, 2, 0, 9, 2, 0, 0, 0);
      assertThat(batch.weights(m).toFloatArray())
          .containsExactly(0f, 0f, 1f, 1f, 0f, 1f, 1f, 0f, 0f, 0f);
    }
  }

  @Test
  void batchesKeepTheirExampleObjectsInRowOrder() {
    Example a = Example.text(new long[] {1, 9, 2});
    Example b = Example.text(new long[] {1, 9, 2}); // equal to a, but another object
    Batch batch = Batch.of(List.of(b, a), 0);
    assertThat(batch.examples()).hasSize(2);
    assertThat(batch.examples().get(0)).isSameAs(b);
    assertThat(batch.examples().get(1)).isSameAs(a);
    assertThatThrownBy(() -> batch.examples().add(a))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void classificationBatchesCarryClassLabels() {
    Batch batch =
        Batch.of(
            List.of(
                Example.classification(new long[] {3, 4}, 1),
                Example.classification(new long[] {5}, 0)),
            7);
    assertThat(batch.targetCount()).isEqualTo(2);
    try (NDManager m = TensorRuntime.newManager()) {
      assertThat(batch.ids(m).toLongArray()).containsExactly(3, 4, 5, 7);
      assertThat(batch.classLabels(m).toLongArray()).containsExactly(1, 0);
      assertThatThrownBy(() -> batch.targets(m)).hasMessageContaining("not a language-modeling");
    }
  }

  @Test
  void mixedOrEmptyBatchesAreRejected() {
    assertThatThrownBy(() -> Batch.of(List.of(), 0)).hasMessageContaining("empty");
    assertThatThrownBy(
            () ->
                Batch.of(
                    List.of(
                        Example.text(new long[] {1, 2}), Example.classification(new long[] {1}, 0)),
                    0))
        .hasMessageContaining("mix");
  }

  @Test
  void examplesValidateTheirLabels() {
    assertThatThrownBy(() -> new Example(new long[] {1, 2}, new long[] {1}, Example.NO_CLASS))
        .hasMessageContaining("1 labels for 2 tokens");
    assertThatThrownBy(() -> new Example(new long[] {1, 2}, new long[] {1, -5}, Example.NO_CLASS))
        .hasMessageContaining("-5");
    assertThatThrownBy(() -> Example.completion(new long[] {1}, new long[0]))
        .hasMessageContaining("empty completion");
    assertThatThrownBy(() -> Example.classification(new long[] {1}, -1))
        .hasMessageContaining("class");
    assertThat(Example.completion(new long[] {1, 5}, new long[] {6, 2}).targetCount()).isEqualTo(2);
  }
}
