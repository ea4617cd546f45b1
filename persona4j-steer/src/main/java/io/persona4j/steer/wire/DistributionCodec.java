/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer.wire;

import com.google.protobuf.ByteString;
import io.persona4j.core.io.HalfFloats;
import io.persona4j.steer.SteerSessionException;
import io.persona4j.steer.proto.Distribution;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.BitSet;

/**
 * Encodes the cloud's next-token log-probabilities into a {@link Distribution} message and decodes
 * (and validates) one on the device. Decoding never trusts the message: a wrong step, format, size,
 * id, a non-finite value or a distribution that does not sum to one is a protocol violation ({@link
 * SteerSessionException.Code#PROTOCOL}). The decoded values are renormalized log-probabilities over
 * every id, so rounding of the narrow formats never leaves an unnormalized policy.
 */
public final class DistributionCodec {
  /** Log-probabilities below this are sent as this value (binary16's range ends near -65504). */
  public static final float FLOOR = -1e4f;

  /** Smallest tail mass used when the cloud reports (almost) none, per the uniform spread. */
  static final double MIN_TAIL = 1e-30;

  private DistributionCodec() {}

  /**
   * Encodes log-probabilities over the vocabulary.
   *
   * @param logProbs normalized log-probabilities {@code [V]}
   */
  public static Distribution encode(float[] logProbs, WireFormat format, int step, long micros) {
    int v = logProbs.length;
    Distribution.Builder b =
        Distribution.newBuilder()
            .setStep(step)
            .setFormat(toProto(format))
            .setCloudMicros((int) Math.min(Integer.MAX_VALUE, Math.max(0, micros)));
    switch (format.kind()) {
      case F32 -> {
        ByteBuffer buf = le(4 * v);
        for (float x : logProbs) {
          buf.putFloat(Math.max(FLOOR, x));
        }
        b.setValues(ByteString.copyFrom(buf.array()));
      }
      case F16, BF16 -> {
        boolean half = format.kind() == WireFormat.Kind.F16;
        ByteBuffer buf = le(2 * v);
        for (float x : logProbs) {
          float c = Math.max(FLOOR, x);
          buf.putShort(half ? HalfFloats.f32ToF16(c) : HalfFloats.f32ToBf16(c));
        }
        b.setValues(ByteString.copyFrom(buf.array()));
      }
      case TOPK -> {
        int k = Math.min(format.k(), v);
        int[] top = TopK.indices(logProbs, k);
        ByteBuffer ids = le(4 * k);
        ByteBuffer vals = le(4 * k);
        BitSet chosen = new BitSet(v);
        for (int id : top) {
          ids.putInt(id);
          vals.putFloat(Math.max(FLOOR, logProbs[id]));
          chosen.set(id);
        }
        double tail = 0;
        for (int i = 0; i < v; i++) {
          if (!chosen.get(i)) {
            tail += Math.exp(logProbs[i]);
          }
        }
        b.setIds(ByteString.copyFrom(ids.array()))
            .setValues(ByteString.copyFrom(vals.array()))
            .setTailMass((float) Math.min(1.0, tail));
      }
    }
    return b.build();
  }

  /**
   * Decodes and validates a distribution.
   *
   * @param expectedStep the step the device is waiting for
   * @param vocab the session's vocabulary size
   * @return normalized log-probabilities {@code [vocab]}
   * @throws SteerSessionException (PROTOCOL) naming what is wrong
   */
  public static float[] decode(Distribution d, WireFormat format, int expectedStep, int vocab) {
    if (d.getStep() != expectedStep) {
      throw SteerSessionException.protocol(
          "distribution for step " + d.getStep() + " while waiting for step " + expectedStep);
    }
    if (d.getFormat() != toProto(format)) {
      throw SteerSessionException.protocol(
          "distribution in format " + d.getFormat() + ", the session uses " + toProto(format));
    }
    float[] out = new float[vocab];
    ByteBuffer values = d.getValues().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    switch (format.kind()) {
      case F32, F16, BF16 -> {
        int width = format.kind().bytesPerValue;
        if (d.getValues().size() != (long) width * vocab || !d.getIds().isEmpty()) {
          throw SteerSessionException.protocol(
              "distribution has "
                  + d.getValues().size()
                  + " value bytes and "
                  + d.getIds().size()
                  + " id bytes, expected "
                  + (long) width * vocab
                  + " and 0 for "
                  + vocab
                  + " ids in "
                  + format);
        }
        for (int i = 0; i < vocab; i++) {
          out[i] =
              switch (format.kind()) {
                case F32 -> values.getFloat();
                case F16 -> HalfFloats.f16ToF32(values.getShort());
                default -> HalfFloats.bf16ToF32(values.getShort());
              };
          if (!Float.isFinite(out[i])) {
            throw SteerSessionException.protocol("log-probability of id " + i + " is " + out[i]);
          }
        }
        double tolerance = format.kind() == WireFormat.Kind.F32 ? 1e-3 : 0.05;
        normalize(out, logSumExp(out), tolerance);
      }
      case TOPK -> decodeTopK(d, format, vocab, values, out);
    }
    return out;
  }

  private static void decodeTopK(
      Distribution d, WireFormat format, int vocab, ByteBuffer values, float[] out) {
    int k = Math.min(format.k(), vocab);
    if (d.getIds().size() != 4L * k || d.getValues().size() != 4L * k) {
      throw SteerSessionException.protocol(
          "top-k distribution has "
              + d.getIds().size()
              + " id bytes and "
              + d.getValues().size()
              + " value bytes, expected "
              + 4L * k
              + " each for k = "
              + k);
    }
    float tail = d.getTailMass();
    if (!(tail >= 0 && tail <= 1)) {
      throw SteerSessionException.protocol("tail mass " + tail + " is not in [0, 1]");
    }
    if (k == vocab && tail > 1e-3) {
      throw SteerSessionException.protocol("tail mass " + tail + " with every id listed");
    }
    ByteBuffer ids = d.getIds().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    BitSet seen = new BitSet(vocab);
    int[] listed = new int[k];
    double mass = 0;
    for (int i = 0; i < k; i++) {
      long id = Integer.toUnsignedLong(ids.getInt());
      float v = values.getFloat();
      if (id >= vocab) {
        throw SteerSessionException.protocol("top-k id " + id + " outside [0, " + vocab + ")");
      }
      if (seen.get((int) id)) {
        throw SteerSessionException.protocol("top-k id " + id + " listed twice");
      }
      if (!Float.isFinite(v) || v > 1e-3f) {
        throw SteerSessionException.protocol("top-k log-probability " + v + " of id " + id);
      }
      seen.set((int) id);
      listed[i] = (int) id;
      out[(int) id] = v;
      mass += Math.exp(v);
    }
    if (Math.abs(mass + tail - 1) > 1e-3) {
      throw SteerSessionException.protocol(
          "top-k mass " + mass + " + tail " + tail + " does not sum to 1");
    }
    if (k < vocab) {
      float rest = (float) Math.log(Math.max(tail, MIN_TAIL) / (vocab - k));
      for (int i = 0; i < vocab; i++) {
        if (!seen.get(i)) {
          out[i] = rest;
        }
      }
    }
    normalize(out, logSumExp(out), 1e-2);
  }

  /** {@code log sum exp(x)} in double. */
  static double logSumExp(float[] x) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : x) {
      max = Math.max(max, v);
    }
    double s = 0;
    for (float v : x) {
      s += Math.exp(v - max);
    }
    return max + Math.log(s);
  }

  private static void normalize(float[] x, double lse, double tolerance) {
    if (Math.abs(lse) > tolerance) {
      throw SteerSessionException.protocol(
          "log-probabilities do not sum to one (log-sum-exp " + lse + ")");
    }
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (x[i] - lse);
    }
  }

  /** The protocol enum of a format. */
  public static io.persona4j.steer.proto.WireFormat toProto(WireFormat f) {
    return switch (f.kind()) {
      case F32 -> io.persona4j.steer.proto.WireFormat.WIRE_F32;
      case F16 -> io.persona4j.steer.proto.WireFormat.WIRE_F16;
      case BF16 -> io.persona4j.steer.proto.WireFormat.WIRE_BF16;
      case TOPK -> io.persona4j.steer.proto.WireFormat.WIRE_TOPK;
    };
  }

  /**
   * The format an Open message asks for.
   *
   * @throws IllegalArgumentException naming the problem
   */
  public static WireFormat fromProto(io.persona4j.steer.proto.WireFormat f, int k, int vocab) {
    return switch (f) {
      case WIRE_F32 -> WireFormat.F32;
      case WIRE_F16 -> WireFormat.F16;
      case WIRE_BF16 -> WireFormat.BF16;
      case WIRE_TOPK -> {
        if (k < 1 || k > vocab) {
          throw new IllegalArgumentException(
              "top-k wire format with k = " + k + " (must be in [1, " + vocab + "])");
        }
        yield WireFormat.topK(k);
      }
      default -> throw new IllegalArgumentException("unknown wire format " + f);
    };
  }

  private static ByteBuffer le(int bytes) {
    return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
  }
}
