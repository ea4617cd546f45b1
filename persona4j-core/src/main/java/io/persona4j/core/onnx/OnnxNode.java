/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.onnx;

import java.util.List;
import java.util.Map;

/**
 * A node of an ONNX graph ({@code NodeProto}).
 *
 * @param name node name (may be empty)
 * @param opType operator, e.g. {@code MatMul}, {@code Add}, {@code Constant}
 * @param domain operator domain (empty for the default ONNX domain)
 * @param inputs names of the input values, in order (an empty string marks an omitted input)
 * @param outputs names of the output values, in order
 * @param attributes attributes by name
 */
public record OnnxNode(
    String name,
    String opType,
    String domain,
    List<String> inputs,
    List<String> outputs,
    Map<String, Attribute> attributes) {

  public OnnxNode {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    attributes = Map.copyOf(attributes);
  }

  /** An attribute ({@code AttributeProto}); only the fields that are set are non-null. */
  public record Attribute(
      String name, Float f, Long i, String s, OnnxTensor t, long[] ints, float[] floats) {}

  /** The integer attribute {@code name}, or {@code fallback} if absent. */
  public long intAttribute(String attribute, long fallback) {
    Attribute a = attributes.get(attribute);
    return a == null || a.i() == null ? fallback : a.i();
  }

  /** The float attribute {@code name}, or {@code fallback} if absent. */
  public float floatAttribute(String attribute, float fallback) {
    Attribute a = attributes.get(attribute);
    return a == null || a.f() == null ? fallback : a.f();
  }

  /** The tensor attribute {@code name} (a Constant's {@code value}), or null if absent. */
  public OnnxTensor tensorAttribute(String attribute) {
    Attribute a = attributes.get(attribute);
    return a == null ? null : a.t();
  }
}
