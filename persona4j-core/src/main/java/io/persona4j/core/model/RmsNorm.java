package io.persona4j.core.model;

import ai.djl.ndarray.NDArray;

/** Root-mean-square layer norm as in Llama: {@code w * x / sqrt(mean(x^2) + eps)}. */
public record RmsNorm(NDArray weight, float eps) {
  /**
   * {@code x [..., H] -> [..., H]}. Divides by {@code sqrt(...)} rather than multiplying by {@code
   * pow(-0.5f)}: DJL passes a Java exponent as a temporary array that autograd keeps after DJL has
   * freed its memory, which corrupts gradients (see {@code LlamaLayer.queryScale}).
   */
  public NDArray forward(NDArray x) {
    NDArray rms = x.square().mean(new int[] {-1}, true).add(eps).sqrt(); // [..., 1]
    return x.div(rms).mul(weight); // [..., H]
  }
}
