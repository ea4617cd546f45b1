/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParameterSetTest {

  private static ParameterSet sample() {
    return ParameterSet.builder()
        .add("layer.0.lora_A", new int[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6})
        .add("bias", new int[] {2}, new float[] {-1, 0.5f})
        .build();
  }

  @Test
  void binaryRoundTripAndExactByteSize() throws IOException {
    ParameterSet p = sample();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      p.writeTo(out);
    }
    // 12 header + (2+14 name +1+4+8 dims +24 values) + (2+4 name +1+4+4 dims +8 values)
    assertThat(p.byteSize()).isEqualTo(12 + 53 + 23).isEqualTo(bytes.size());
    ParameterSet back =
        ParameterSet.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    assertThat(back).isEqualTo(p);
    assertThat(back.names()).containsExactly("layer.0.lora_A", "bias");
  }

  @Test
  void immutableAgainstCallerArrays() {
    float[] data = {1, 2};
    ParameterSet p = ParameterSet.builder().add("x", new int[] {2}, data).build();
    data[0] = 99;
    p.values("x")[1] = 99;
    assertThat(p.values("x")).containsExactly(1f, 2f);
  }

  @Test
  void validatesShapesAndNames() {
    assertThatThrownBy(() -> ParameterSet.builder().add("x", new int[] {2, 2}, new float[3]))
        .hasMessageContaining("'x' has 3 values")
        .hasMessageContaining("needs 4");
    assertThatThrownBy(
            () ->
                ParameterSet.builder()
                    .add("x", new int[] {1}, new float[1])
                    .add("x", new int[] {1}, new float[1]))
        .hasMessageContaining("duplicate tensor name 'x'");
    assertThatThrownBy(() -> TensorSpec.f32("y", 2, 0)).hasMessageContaining("dimension 0");
  }

  @Test
  void layoutMismatchNamesTheProblem() {
    ParameterSet p = sample();
    ParameterSet reshaped =
        ParameterSet.builder()
            .add("layer.0.lora_A", new int[] {3, 2}, new float[6])
            .add("bias", new int[] {2}, new float[2])
            .build();
    assertThat(reshaped.layoutMismatch(p))
        .contains("tensor 'layer.0.lora_A' has shape [3, 2], expected [2, 3]");
    ParameterSet renamed = ParameterSet.builder().add("bias", new int[] {2}, new float[2]).build();
    assertThat(renamed.layoutMismatch(p).orElseThrow()).contains("tensor names [bias]");
    assertThat(p.layoutMismatch(sample())).isEmpty();
  }

  @Test
  void flattenNormsAndWeightedSum() {
    ParameterSet p = sample();
    assertThat(p.flatten()).containsExactly(1, 2, 3, 4, 5, 6, -1, 0.5f);
    assertThat(p.withFlatValues(p.flatten())).isEqualTo(p);
    assertThat(p.l2Norm())
        .isCloseTo(Math.sqrt(91 + 1 + 0.25), org.assertj.core.data.Offset.offset(1e-12));
    ParameterSet zero = p.withFlatValues(new float[8]);
    assertThat(p.distance(zero)).isEqualTo(p.l2Norm());
    ParameterSet sum = ParameterSet.weightedSum(List.of(p, zero), new double[] {0.25, 0.75});
    assertThat(sum.flatten()).containsExactly(0.25f, 0.5f, 0.75f, 1f, 1.25f, 1.5f, -0.25f, 0.125f);
    assertThat(p.firstNonFinite()).isEmpty();
    float[] bad = p.flatten();
    bad[7] = Float.POSITIVE_INFINITY;
    assertThat(p.withFlatValues(bad).firstNonFinite()).contains("bias[1]=Infinity");
  }
}
