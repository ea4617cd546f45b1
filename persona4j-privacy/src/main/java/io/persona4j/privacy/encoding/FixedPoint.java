/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.privacy.encoding;

/**
 * Fixed-point encoding of float vectors into integers modulo {@code modulus}, for additive secure
 * aggregation.
 *
 * <p>A value {@code x} is clipped to {@code [-clip, clip]}, scaled and rounded to {@code q =
 * round(x * scale)} with {@code |q| <= qMax = round(clip * scale)}, and stored as {@code q mod M}
 * in {@code [0, M)}. A sum of {@code k} encodings is an integer in {@code [-k qMax, k qMax]}; it
 * decodes without wrap-around exactly when {@code 2 k qMax < M}, so {@link #maxSummands()} is
 * {@code floor((M - 1) / (2 qMax))}. Decoding maps {@code [0, (M-1)/2]} to itself and the rest to
 * {@code v - M}.
 */
public final class FixedPoint {
  /** Largest modulus accepted: the sum of two residues must not overflow a signed long. */
  public static final long MAX_MODULUS = 1L << 62;

  private final double clip;
  private final double scale;
  private final long modulus;
  private final long qMax;
  private final long maxSummands;

  /**
   * @param clip positive clipping bound: values are clipped to {@code [-clip, clip]}
   * @param scale positive scale (e.g. {@code 2^16}): the resolution is {@code 1 / scale}
   * @param modulus the modulus M, in {@code [3, 2^62]}
   */
  public FixedPoint(double clip, double scale, long modulus) {
    if (!(clip > 0) || Double.isInfinite(clip)) {
      throw new IllegalArgumentException("clip must be finite and > 0, got " + clip);
    }
    if (!(scale > 0) || Double.isInfinite(scale)) {
      throw new IllegalArgumentException("scale must be finite and > 0, got " + scale);
    }
    if (modulus < 3 || modulus > MAX_MODULUS) {
      throw new IllegalArgumentException(
          "modulus must be in [3, 2^62], got " + Long.toUnsignedString(modulus));
    }
    double q = Math.rint(clip * scale);
    if (q < 1 || q > 0x1.0p53) {
      throw new IllegalArgumentException(
          "clip * scale must round to an integer in [1, 2^53], got clip="
              + clip
              + " scale="
              + scale);
    }
    this.clip = clip;
    this.scale = scale;
    this.modulus = modulus;
    this.qMax = (long) q;
    if (qMax > (modulus - 1) / 2) {
      throw new IllegalArgumentException(
          "modulus " + modulus + " too small for one summand of magnitude qMax=" + qMax);
    }
    this.maxSummands = (modulus - 1) / (2 * qMax);
  }

  /** The clipping bound. */
  public double clip() {
    return clip;
  }

  /** The scale factor. */
  public double scale() {
    return scale;
  }

  /** The modulus M. */
  public long modulus() {
    return modulus;
  }

  /** The largest encoded magnitude, {@code round(clip * scale)}. */
  public long qMax() {
    return qMax;
  }

  /** The largest number of encodings whose sum decodes without wrap-around. */
  public long maxSummands() {
    return maxSummands;
  }

  /** Throws unless {@code summands} encodings can be summed without wrap-around. */
  public void requireSummands(long summands) {
    if (summands < 1 || summands > maxSummands) {
      throw new IllegalArgumentException(
          "summands="
              + summands
              + " outside [1, "
              + maxSummands
              + "] for modulus "
              + modulus
              + ", clip "
              + clip
              + ", scale "
              + scale
              + ": the sum would wrap around");
    }
  }

  /** The signed integer {@code round(clamp(x) * scale)} (NaN is rejected). */
  public long quantize(double x) {
    if (Double.isNaN(x)) {
      throw new IllegalArgumentException("cannot encode NaN");
    }
    double c = Math.max(-clip, Math.min(clip, x));
    long q = (long) Math.rint(c * scale);
    return Math.max(-qMax, Math.min(qMax, q));
  }

  /** Encodes each value to {@code quantize(x) mod M} in {@code [0, M)}. */
  public long[] encode(float[] values) {
    long[] out = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Math.floorMod(quantize(values[i]), modulus);
    }
    return out;
  }

  /** Maps a residue to its centered representative in {@code [-(M-1)/2, M/2]}. */
  public long centered(long residue) {
    if (residue < 0 || residue >= modulus) {
      throw new IllegalArgumentException("residue " + residue + " outside [0, " + modulus + ")");
    }
    return residue <= (modulus - 1) / 2 ? residue : residue - modulus;
  }

  /** Decodes a single encoding back to floats (within {@code 0.5 / scale} of the clipped input). */
  public float[] decode(long[] encoded) {
    float[] out = new float[encoded.length];
    for (int i = 0; i < encoded.length; i++) {
      out[i] = (float) (centered(encoded[i]) / scale);
    }
    return out;
  }

  /**
   * Decodes the modular sum of {@code summands} encodings to the real sum.
   *
   * @throws IllegalArgumentException if {@code summands} exceeds {@link #maxSummands()}
   */
  public double[] decodeSum(long[] sum, long summands) {
    requireSummands(summands);
    double[] out = new double[sum.length];
    for (int i = 0; i < sum.length; i++) {
      out[i] = centered(sum[i]) / scale;
    }
    return out;
  }

  /** Adds {@code x} into {@code acc} modulo M, element-wise. */
  public void addInto(long[] acc, long[] x) {
    requireSameLength(acc, x);
    for (int i = 0; i < acc.length; i++) {
      acc[i] = addMod(acc[i], x[i], modulus);
    }
  }

  /** Subtracts {@code x} from {@code acc} modulo M, element-wise. */
  public void subtractInto(long[] acc, long[] x) {
    requireSameLength(acc, x);
    for (int i = 0; i < acc.length; i++) {
      acc[i] = subMod(acc[i], x[i], modulus);
    }
  }

  /** {@code (a + b) mod m} for residues {@code a, b} in {@code [0, m)} with {@code m <= 2^62}. */
  public static long addMod(long a, long b, long m) {
    long s = a + b;
    return s >= m ? s - m : s;
  }

  /** {@code (a - b) mod m} for residues {@code a, b} in {@code [0, m)}. */
  public static long subMod(long a, long b, long m) {
    long d = a - b;
    return d < 0 ? d + m : d;
  }

  private static void requireSameLength(long[] a, long[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("length mismatch: " + a.length + " vs " + b.length);
    }
  }

  @Override
  public String toString() {
    return "FixedPoint[clip=" + clip + ", scale=" + scale + ", modulus=" + modulus + "]";
  }
}
