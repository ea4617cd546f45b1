package io.persona4j.core.model;

import ai.djl.ndarray.NDArray;

/** Root-mean-square layer norm as in Llama: {@code w * x / sqrt(mean(x^2) + eps)}. */
public record RmsNorm(NDArray weight, float eps) {
  /** {@code x [..., H] -> [..., H]}. */
  public NDArray forward(NDArray x) {
    NDArray inv = x.square().mean(new int[] {-1}, true).add(eps).pow(-0.5f); // [..., 1]
    return x.mul(inv).mul(weight); // [..., H]
  }
}
