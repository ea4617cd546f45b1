/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import io.persona4j.steer.SteerSessionException;
import io.persona4j.steer.proto.Distribution;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DistributionCodecTest {
  static float[] logProbs(Random r, int v, double scale) {
    double[] x = new double[v];
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < v; i++) {
      x[i] = r.nextGaussian() * scale;
      max = Math.max(max, x[i]);
    }
    double s = 0;
    for (double d : x) {
      s += Math.exp(d - max);
    }
    float[] out = new float[v];
    for (int i = 0; i < v; i++) {
      out[i] = (float) (x[i] - max - Math.log(s));
    }
    return out;
  }

  @Test
  void f32RoundTripIsExactAndSizesAreAsDocumented() {
    float[] lp = logProbs(new Random(1), 1000, 3);
    Distribution d = DistributionCodec.encode(lp, WireFormat.F32, 4, 123);
    assertThat(d.getValues().size()).isEqualTo(4000);
    assertThat(WireFormat.F32.payloadBytes(1000)).isEqualTo(4000);
    float[] back = DistributionCodec.decode(d, WireFormat.F32, 4, 1000);
    for (int i = 0; i < lp.length; i++) {
      assertThat(back[i]).isCloseTo(lp[i], within(1e-5f));
    }
  }

  @Test
  void halfFormatsRoundWithinTheirPrecision() {
    float[] lp = logProbs(new Random(2), 500, 3);
    for (WireFormat f : new WireFormat[] {WireFormat.F16, WireFormat.BF16}) {
      Distribution d = DistributionCodec.encode(lp, f, 0, 0);
      assertThat(d.getValues().size()).isEqualTo(1000);
      float[] back = DistributionCodec.decode(d, f, 0, 500);
      double tol = f == WireFormat.F16 ? 0.01 : 0.08;
      double lse = 0;
      for (int i = 0; i < lp.length; i++) {
        assertThat((double) back[i]).isCloseTo(lp[i], within(tol * Math.max(1, Math.abs(lp[i]))));
        lse += Math.exp(back[i]);
      }
      assertThat(lse).as("renormalized").isCloseTo(1.0, within(1e-4));
    }
  }

  @Test
  void topKKeepsTheLargestAndSpreadsTheTailUniformly() {
    float[] lp = logProbs(new Random(3), 300, 2);
    WireFormat f = WireFormat.topK(10);
    Distribution d = DistributionCodec.encode(lp, f, 1, 0);
    assertThat(d.getIds().size()).isEqualTo(40);
    float[] back = DistributionCodec.decode(d, f, 1, 300);
    int[] top = TopK.indices(lp, 10);
    double topMass = 0;
    for (int id : top) {
      topMass += Math.exp(lp[id]);
      assertThat(back[id]).isCloseTo(lp[id], within(1e-5f));
    }
    float rest = (float) Math.log((1 - topMass) / 290);
    int others = 0;
    for (int i = 0; i < 300; i++) {
      boolean listed = false;
      for (int id : top) {
        listed |= id == i;
      }
      if (!listed) {
        others++;
        assertThat(back[i]).isCloseTo(rest, within(1e-4f));
        assertThat(back[i]).isLessThanOrEqualTo(lp[top[9]] + 1e-6f);
      }
    }
    assertThat(others).isEqualTo(290);
  }

  @Test
  void topKIndicesAreSortedWithLowerIndexFirstOnTies() {
    float[] x = {1, 5, 5, 3, 9, 5};
    assertThat(TopK.indices(x, 4)).containsExactly(4, 1, 2, 5);
    assertThat(TopK.indices(x, 0)).isEmpty();
    assertThat(TopK.indices(x, 6)).containsExactly(4, 1, 2, 5, 3, 0);
  }

  @Test
  void malformedDistributionsAreProtocolViolations() {
    float[] lp = logProbs(new Random(4), 100, 2);
    Distribution good = DistributionCodec.encode(lp, WireFormat.F32, 2, 0);
    assertViolation(() -> DistributionCodec.decode(good, WireFormat.F32, 3, 100), "step 2");
    assertViolation(() -> DistributionCodec.decode(good, WireFormat.F16, 2, 100), "format");
    assertViolation(() -> DistributionCodec.decode(good, WireFormat.F32, 2, 101), "value bytes");
    ByteBuffer nan = ByteBuffer.allocate(400).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 100; i++) {
      nan.putFloat(i == 7 ? Float.NaN : lp[i]);
    }
    assertViolation(
        () ->
            DistributionCodec.decode(
                good.toBuilder().setValues(ByteString.copyFrom(nan.array())).build(),
                WireFormat.F32,
                2,
                100),
        "id 7 is NaN");
    ByteBuffer zeros = ByteBuffer.allocate(400);
    assertViolation(
        () ->
            DistributionCodec.decode(
                good.toBuilder().setValues(ByteString.copyFrom(zeros.array())).build(),
                WireFormat.F32,
                2,
                100),
        "do not sum to one");
    WireFormat k = WireFormat.topK(5);
    Distribution top = DistributionCodec.encode(lp, k, 0, 0);
    assertViolation(
        () -> DistributionCodec.decode(top.toBuilder().setTailMass(1.5f).build(), k, 0, 100),
        "tail mass");
    assertViolation(
        () -> DistributionCodec.decode(top.toBuilder().setTailMass(0.5f).build(), k, 0, 100),
        "does not sum to 1");
    ByteBuffer ids = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
    ids.putInt(3).putInt(3).putInt(4).putInt(5).putInt(6);
    assertViolation(
        () ->
            DistributionCodec.decode(
                top.toBuilder().setIds(ByteString.copyFrom(ids.array())).build(), k, 0, 100),
        "listed twice");
    ByteBuffer far = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
    far.putInt(-1).putInt(1).putInt(2).putInt(3).putInt(4);
    assertViolation(
        () ->
            DistributionCodec.decode(
                top.toBuilder().setIds(ByteString.copyFrom(far.array())).build(), k, 0, 100),
        "outside");
  }

  @Test
  void formatsParse() {
    assertThat(WireFormat.parse("f32")).isEqualTo(WireFormat.F32);
    assertThat(WireFormat.parse("BF16")).isEqualTo(WireFormat.BF16);
    assertThat(WireFormat.parse("topk:64")).isEqualTo(WireFormat.topK(64));
    assertThat(WireFormat.topK(64).payloadBytes(1000)).isEqualTo(516);
    assertThatThrownBy(() -> WireFormat.parse("topk:0")).hasMessageContaining("k >= 1");
    assertThatThrownBy(() -> WireFormat.parse("f8")).hasMessageContaining("f32, f16, bf16, topk:K");
    assertThatThrownBy(
            () -> DistributionCodec.fromProto(io.persona4j.steer.proto.WireFormat.WIRE_TOPK, 0, 10))
        .hasMessageContaining("k = 0");
  }

  private static void assertViolation(Runnable r, String text) {
    assertThatThrownBy(r::run)
        .isInstanceOf(SteerSessionException.class)
        .hasMessageContaining(text)
        .satisfies(
            e ->
                assertThat(((SteerSessionException) e).code())
                    .isEqualTo(SteerSessionException.Code.PROTOCOL));
  }
}
