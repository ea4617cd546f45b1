package io.persona4j.privacy.secagg;

import io.persona4j.privacy.encoding.FixedPoint;

/**
 * Configuration of one secure-aggregation round.
 *
 * @param clients number of clients n; client ids are 1..n
 * @param threshold Shamir threshold t: the round needs t survivors at every stage; {@code t > n/2}
 *     so that no two disjoint survivor sets can both reconstruct (the server can never obtain both
 *     the self-mask seed and the mask key of one client)
 * @param vectorLength length of every input vector
 * @param fixedPoint encoding of inputs; its modulus is the masking modulus and it must allow n
 *     summands without wrap-around
 */
public record SecAggConfig(int clients, int threshold, int vectorLength, FixedPoint fixedPoint) {
  /** Validates every field. */
  public SecAggConfig {
    if (clients < 2) {
      throw new IllegalArgumentException("clients must be >= 2, got " + clients);
    }
    if (threshold <= clients / 2 || threshold > clients) {
      throw new IllegalArgumentException(
          "threshold must be in (clients/2, clients] = ("
              + clients / 2
              + ", "
              + clients
              + "], got "
              + threshold);
    }
    if (vectorLength < 1) {
      throw new IllegalArgumentException("vectorLength must be >= 1, got " + vectorLength);
    }
    if (fixedPoint == null) {
      throw new IllegalArgumentException("fixedPoint must not be null");
    }
    if (fixedPoint.maxSummands() < clients) {
      throw new IllegalArgumentException(
          "fixedPoint allows only "
              + fixedPoint.maxSummands()
              + " summands without wrap-around, fewer than clients="
              + clients);
    }
  }

  /** Whether {@code id} is a valid client id. */
  public boolean isClient(int id) {
    return id >= 1 && id <= clients;
  }

  /** The masking modulus. */
  public long modulus() {
    return fixedPoint.modulus();
  }
}
