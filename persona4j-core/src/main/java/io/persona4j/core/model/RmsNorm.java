package io.persona4j.core.model;

import ai.djl.ndarray.NDArray;
import java.util.Objects;

/** Root-mean-square layer norm as in Llama: {@code w * x / sqrt(mean(x^2) + eps)}. */
public final class RmsNorm {
  private final NDArray weight;
  private final float eps;
  // Scalars as arrays on the weight's manager: NDArray.add(Number) would create one per call.
  private final NDArray epsArray;
  private final NDArray minusHalf;

  /**
   * @param weight {@code [H]}
   * @param eps added to the mean square
   */
  public RmsNorm(NDArray weight, float eps) {
    this.weight = Objects.requireNonNull(weight, "weight");
    this.eps = eps;
    this.epsArray = weight.getManager().create(eps);
    this.minusHalf = weight.getManager().create(-0.5f);
  }

  /** {@code x [..., H] -> [..., H]}. */
  public NDArray forward(NDArray x) {
    NDArray inv = x.square().mean(new int[] {-1}, true).add(epsArray).pow(minusHalf); // [..., 1]
    return x.mul(inv).mul(weight); // [..., H]
  }

  /** {@code [H]}. */
  public NDArray weight() {
    return weight;
  }

  public float eps() {
    return eps;
  }
}
