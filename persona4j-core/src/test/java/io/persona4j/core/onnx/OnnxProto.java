/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** Hand-written ONNX protobuf messages (field numbers of onnx.proto) for reader tests. */
final class OnnxProto {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final CodedOutputStream out = CodedOutputStream.newInstance(bytes);

  byte[] done() {
    try {
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  OnnxProto message(int field, byte[] message) {
    return run(() -> out.writeByteArray(field, message));
  }

  OnnxProto string(int field, String value) {
    return run(() -> out.writeString(field, value));
  }

  OnnxProto int64(int field, long value) {
    return run(() -> out.writeInt64(field, value));
  }

  OnnxProto float32(int field, float value) {
    return run(() -> out.writeFloat(field, value));
  }

  OnnxProto packedInt64(int field, long... values) {
    OnnxProto body = new OnnxProto();
    for (long v : values) {
      body.run(() -> body.out.writeInt64NoTag(v));
    }
    return message(field, body.done());
  }

  OnnxProto packedFloat(int field, float... values) {
    OnnxProto body = new OnnxProto();
    for (float v : values) {
      body.run(() -> body.out.writeFloatNoTag(v));
    }
    return message(field, body.done());
  }

  OnnxProto bytes(int field, byte[] value) {
    return run(() -> out.writeBytes(field, ByteString.copyFrom(value)));
  }

  /** TensorProto with FLOAT raw_data (little-endian). */
  static byte[] floatTensor(String name, long[] dims, float... values) {
    ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      raw.putFloat(v);
    }
    return new OnnxProto()
        .packedInt64(1, dims)
        .int64(2, OnnxTensor.FLOAT)
        .string(8, name)
        .bytes(9, raw.array())
        .done();
  }

  /** TensorProto with INT64 int64_data. */
  static byte[] longTensor(String name, long[] dims, long... values) {
    return new OnnxProto()
        .packedInt64(1, dims)
        .int64(2, OnnxTensor.INT64)
        .string(8, name)
        .packedInt64(7, values)
        .done();
  }

  /** NodeProto; attributes are AttributeProto messages. */
  static byte[] node(String op, List<String> inputs, List<String> outputs, byte[]... attributes) {
    OnnxProto n = new OnnxProto();
    inputs.forEach(i -> n.string(1, i));
    outputs.forEach(o -> n.string(2, o));
    n.string(3, op + "_" + outputs.get(0));
    n.string(4, op);
    for (byte[] a : attributes) {
      n.message(5, a);
    }
    return n.done();
  }

  /** A Constant node whose value is an INT64 tensor. */
  static byte[] constant(String output, long... values) {
    byte[] value = longTensor("", new long[] {values.length}, values);
    return node("Constant", List.of(), List.of(output), tensorAttribute("value", value));
  }

  /** A Constant node whose value is a FLOAT scalar. */
  static byte[] floatConstant(String output, float value) {
    byte[] t = floatTensor("", new long[0], value);
    return node("Constant", List.of(), List.of(output), tensorAttribute("value", t));
  }

  static byte[] tensorAttribute(String name, byte[] tensor) {
    return new OnnxProto().string(1, name).message(5, tensor).int64(20, 4).done();
  }

  static byte[] intAttribute(String name, long value) {
    return new OnnxProto().string(1, name).int64(3, value).int64(20, 2).done();
  }

  /** ValueInfoProto with just a name. */
  static byte[] valueInfo(String name) {
    return new OnnxProto().string(1, name).done();
  }

  /** ModelProto around a GraphProto; opset 14 of the default domain. */
  static byte[] model(byte[] graph) {
    byte[] opset = new OnnxProto().string(1, "").int64(2, 14).done();
    return new OnnxProto()
        .int64(1, 7)
        .string(2, "test")
        .string(3, "1.0")
        .message(7, graph)
        .message(8, opset)
        .done();
  }

  private interface IoAction {
    void run() throws IOException;
  }

  private OnnxProto run(IoAction a) {
    try {
      a.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }
}
