/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.onnx;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Hyper-parameters of a BERT encoder that live in an ONNX graph's structure rather than in its
 * weight shapes: the number of attention heads, the MLP activation and the LayerNorm epsilon. Each
 * is read from the nodes around a named weight of layer 0 (or the embeddings); an empty result
 * means the graph does not show it in a recognized form.
 */
final class BertGraphFacts {
  private final OnnxModel model;

  BertGraphFacts(OnnxModel model) {
    this.model = model;
  }

  /**
   * Heads from the Reshape that splits layer 0's query (or key/value) projection into heads: its
   * target shape is {@code [B, T, heads, head_dim]}, built by PyTorch's exporter as a Concat of
   * dynamic batch/length dims and two constants (or given as one constant). Requires {@code heads *
   * head_dim == hidden} when head_dim is known.
   */
  Optional<Integer> heads(String prefix, long hidden) {
    for (String proj : List.of("query", "key", "value")) {
      String bias = prefix + "encoder.layer.0.attention.self." + proj + ".bias";
      for (OnnxNode add : model.consumers(bias)) {
        if (!add.opType().equals("Add")) {
          continue;
        }
        for (OnnxNode reshape : model.consumers(add.outputs().get(0))) {
          if (!reshape.opType().equals("Reshape") || reshape.inputs().size() < 2) {
            continue;
          }
          long[] shape = shapeValue(reshape.inputs().get(1));
          if (shape == null || shape.length != 4 || shape[2] <= 0) {
            continue;
          }
          long heads = shape[2];
          long headDim = shape[3];
          boolean consistent =
              headDim > 0 ? heads * headDim == hidden : hidden % heads == 0 && headDim == -1;
          if (consistent) {
            return Optional.of((int) heads);
          }
        }
      }
    }
    return Optional.empty();
  }

  /**
   * A shape operand: a constant, or a Concat of constants and dynamic parts (each dynamic part
   * reads as 0, i.e. "unknown"). Null if neither.
   */
  private long[] shapeValue(String value) {
    Optional<OnnxTensor> c = model.constant(value);
    if (c.isPresent()) {
      return integers(c.get());
    }
    OnnxNode p = model.producer(value).orElse(null);
    if (p == null || !p.opType().equals("Concat")) {
      return null;
    }
    List<Long> dims = new ArrayList<>();
    for (String in : p.inputs()) {
      Optional<OnnxTensor> part = model.constant(in);
      if (part.isPresent()) {
        long[] v = integers(part.get());
        if (v == null) {
          return null;
        }
        for (long d : v) {
          dims.add(d);
        }
      } else {
        dims.add(0L); // dynamic (batch or sequence length); one element per Unsqueeze'd scalar
      }
    }
    return dims.stream().mapToLong(Long::longValue).toArray();
  }

  private static long[] integers(OnnxTensor t) {
    if (t.dataType() != OnnxTensor.INT64 && t.dataType() != OnnxTensor.INT32) {
      return null;
    }
    try {
      return t.longs();
    } catch (IllegalStateException e) {
      return null;
    }
  }

  /**
   * The MLP activation of layer 0, found between the intermediate bias Add and the next MatMul:
   * {@code Erf} (or a Gelu op without tanh approximation) means exact {@code gelu}; {@code Tanh},
   * {@code FastGelu} or a tanh-approximated Gelu mean {@code gelu_new}.
   */
  Optional<String> activation(String prefix) {
    String bias = prefix + "encoder.layer.0.intermediate.dense.bias";
    Deque<String> frontier = new ArrayDeque<>();
    Set<OnnxNode> seen = new HashSet<>();
    for (OnnxNode add : model.consumers(bias)) {
      frontier.addAll(add.outputs());
    }
    int budget = 32;
    while (!frontier.isEmpty() && budget-- > 0) {
      for (OnnxNode n : model.consumers(frontier.poll())) {
        if (!seen.add(n)) {
          continue;
        }
        switch (n.opType()) {
          case "Erf":
            return Optional.of("gelu");
          case "Tanh", "FastGelu":
            return Optional.of("gelu_new");
          case "Gelu":
            var approx = n.attributes().get("approximate");
            return Optional.of(approx != null && "tanh".equals(approx.s()) ? "gelu_new" : "gelu");
          case "MatMul", "Gemm":
            break; // reached the output projection
          default:
            frontier.addAll(n.outputs());
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The embeddings LayerNorm epsilon: the {@code epsilon} attribute of a LayerNormalization op, or,
   * for the decomposed form {@code (x - mean) / sqrt(var + eps) * weight + bias}, the scalar added
   * before the Sqrt. Rounded to the float the graph stores (1e-12, not 9.99999996e-13).
   */
  Optional<Double> layerNormEps(String prefix) {
    String weight = prefix + "embeddings.LayerNorm.weight";
    for (OnnxNode n : model.consumers(weight)) {
      if (n.opType().equals("LayerNormalization")) {
        return Optional.of(round(n.floatAttribute("epsilon", 1e-5f)));
      }
      if (!n.opType().equals("Mul")) {
        continue;
      }
      for (String in : n.inputs()) {
        Optional<Double> eps =
            model
                .producer(in)
                .filter(d -> d.opType().equals("Div") && d.inputs().size() == 2)
                .flatMap(d -> model.producer(d.inputs().get(1)))
                .filter(s -> s.opType().equals("Sqrt"))
                .flatMap(s -> model.producer(s.inputs().get(0)))
                .filter(a -> a.opType().equals("Add"))
                .flatMap(this::scalarOperand);
        if (eps.isPresent()) {
          return eps;
        }
      }
    }
    return Optional.empty();
  }

  private Optional<Double> scalarOperand(OnnxNode add) {
    for (String in : add.inputs()) {
      Optional<OnnxTensor> c = model.constant(in);
      if (c.isPresent() && c.get().dataType() == OnnxTensor.FLOAT && c.get().size() == 1) {
        return Optional.of(round(c.get().floats()[0]));
      }
    }
    return Optional.empty();
  }

  private static double round(float f) {
    return Double.parseDouble(Float.toString(f));
  }
}
