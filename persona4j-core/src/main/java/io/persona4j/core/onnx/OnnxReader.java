/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Protobuf wire-format reader for the subset of {@code onnx.proto} that {@link OnnxModel} exposes.
 * Field numbers follow onnx.proto (IR version 3 to 10). Unknown fields are skipped; every length is
 * checked against the enclosing message, so a truncated or corrupt file fails with an error naming
 * the source and what was being read.
 */
final class OnnxReader {
  private static final int VARINT = WireFormat.WIRETYPE_VARINT;
  private static final int FIXED32 = WireFormat.WIRETYPE_FIXED32;
  private static final int LEN = WireFormat.WIRETYPE_LENGTH_DELIMITED;

  private final ByteBuffer buffer;
  private final CodedInputStream in;
  private final String source;
  private String section = "the model header";
  private String tensorName;

  private OnnxReader(ByteBuffer buffer, String source) {
    this.buffer = buffer;
    this.in = CodedInputStream.newInstance(buffer.duplicate());
    this.source = source;
  }

  static OnnxModel parse(ByteBuffer buffer, String source) throws IOException {
    OnnxReader r = new OnnxReader(buffer, source);
    try {
      return r.model();
    } catch (InvalidProtocolBufferException | ArithmeticException e) {
      throw new IOException(
          source
              + ": not a valid ONNX model (truncated or corrupt) while reading "
              + r.context()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  private String context() {
    return tensorName == null ? section : section + " '" + tensorName + "'";
  }

  private IOException error(String message) {
    return new IOException(source + ": " + context() + ": " + message);
  }

  private void enter(String newSection) {
    section = newSection;
    tensorName = null;
  }

  private OnnxModel model() throws IOException {
    long irVersion = 0;
    long opset = 0;
    String producerName = "";
    String producerVersion = "";
    Graph graph = null;
    int tag;
    while ((tag = in.readTag()) != 0) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 1 -> irVersion = expect(tag, VARINT) ? in.readInt64() : 0;
        case 2 -> producerName = expect(tag, LEN) ? in.readString() : "";
        case 3 -> producerVersion = expect(tag, LEN) ? in.readString() : "";
        case 7 -> {
          expect(tag, LEN);
          enter("the graph");
          int old = in.pushLimit(length());
          graph = graph();
          in.popLimit(old);
          enter("the model trailer");
        }
        case 8 -> {
          expect(tag, LEN);
          int old = in.pushLimit(length());
          long[] domainVersion = opset();
          in.popLimit(old);
          if (domainVersion[0] == 0) {
            opset = domainVersion[1];
          }
        }
        default -> in.skipField(tag);
      }
    }
    if (graph == null) {
      throw new IOException(source + ": not an ONNX model (no graph; truncated or not ONNX?)");
    }
    String producer = (producerName + " " + producerVersion).trim();
    return new OnnxModel(
        source,
        irVersion,
        producer,
        opset,
        graph.nodes,
        graph.initializers,
        graph.inputs,
        graph.outputs);
  }

  /** OperatorSetIdProto: returns {isCustomDomain ? 1 : 0, version}. */
  private long[] opset() throws IOException {
    long[] out = {0, 0};
    int tag;
    while ((tag = in.readTag()) != 0) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 1 -> {
          expect(tag, LEN);
          String d = in.readString();
          out[0] = d.isEmpty() || d.equals("ai.onnx") ? 0 : 1;
        }
        case 2 -> out[1] = expect(tag, VARINT) ? in.readInt64() : 0;
        default -> in.skipField(tag);
      }
    }
    return out;
  }

  private static final class Graph {
    final List<OnnxNode> nodes = new ArrayList<>();
    final List<OnnxTensor> initializers = new ArrayList<>();
    final List<String> inputs = new ArrayList<>();
    final List<String> outputs = new ArrayList<>();
  }

  private Graph graph() throws IOException {
    Graph g = new Graph();
    int tag;
    while ((tag = in.readTag()) != 0) {
      int field = WireFormat.getTagFieldNumber(tag);
      switch (field) {
        case 1 -> {
          expect(tag, LEN);
          enter("node #" + g.nodes.size());
          int old = in.pushLimit(length());
          g.nodes.add(node());
          in.popLimit(old);
        }
        case 5 -> {
          expect(tag, LEN);
          enter("initializer #" + g.initializers.size());
          int old = in.pushLimit(length());
          OnnxTensor t = tensor();
          in.popLimit(old);
          if (t.name().isEmpty()) {
            throw error("initializer without a name");
          }
          g.initializers.add(t);
        }
        case 11, 12 -> {
          expect(tag, LEN);
          enter(field == 11 ? "graph input" : "graph output");
          int old = in.pushLimit(length());
          String name = valueInfoName();
          in.popLimit(old);
          (field == 11 ? g.inputs : g.outputs).add(name);
        }
        default -> in.skipField(tag);
      }
    }
    return g;
  }

  private String valueInfoName() throws IOException {
    String name = "";
    int tag;
    while ((tag = in.readTag()) != 0) {
      if (WireFormat.getTagFieldNumber(tag) == 1 && expect(tag, LEN)) {
        name = in.readString();
      } else {
        in.skipField(tag);
      }
    }
    return name;
  }

  private OnnxNode node() throws IOException {
    List<String> inputs = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    Map<String, OnnxNode.Attribute> attributes = new HashMap<>();
    String name = "";
    String opType = "";
    String domain = "";
    int tag;
    while ((tag = in.readTag()) != 0) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 1 -> inputs.add(expect(tag, LEN) ? in.readString() : "");
        case 2 -> outputs.add(expect(tag, LEN) ? in.readString() : "");
        case 3 -> name = expect(tag, LEN) ? in.readString() : "";
        case 4 -> opType = expect(tag, LEN) ? in.readString() : "";
        case 7 -> domain = expect(tag, LEN) ? in.readString() : "";
        case 5 -> {
          expect(tag, LEN);
          int old = in.pushLimit(length());
          OnnxNode.Attribute a = attribute();
          in.popLimit(old);
          attributes.put(a.name(), a);
        }
        default -> in.skipField(tag);
      }
    }
    if (opType.isEmpty()) {
      throw error("node '" + name + "' has no op_type");
    }
    return new OnnxNode(name, opType, domain, inputs, outputs, attributes);
  }

  private OnnxNode.Attribute attribute() throws IOException {
    String name = "";
    Float f = null;
    Long i = null;
    String s = null;
    OnnxTensor t = null;
    LongList ints = null;
    FloatList floats = null;
    int tag;
    while ((tag = in.readTag()) != 0) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 1 -> name = expect(tag, LEN) ? in.readString() : "";
        case 2 -> f = expect(tag, FIXED32) ? in.readFloat() : null;
        case 3 -> i = expect(tag, VARINT) ? in.readInt64() : null;
        case 4 -> s = expect(tag, LEN) ? in.readBytes().toStringUtf8() : null;
        case 5 -> {
          expect(tag, LEN);
          int old = in.pushLimit(length());
          t = tensor();
          in.popLimit(old);
        }
        case 7 -> floats = readFloats(tag, floats == null ? new FloatList() : floats);
        case 8 -> ints = readLongs(tag, ints == null ? new LongList() : ints);
        default -> in.skipField(tag);
      }
    }
    return new OnnxNode.Attribute(
        name,
        f,
        i,
        s,
        t,
        ints == null ? null : ints.toArray(),
        floats == null ? null : floats.toArray());
  }

  /** TensorProto; checks that the data size matches the dims. */
  private OnnxTensor tensor() throws IOException {
    LongList dims = new LongList();
    int dataType = 0;
    String name = "";
    ByteBuffer raw = null;
    FloatList floatData = null;
    LongList longData = null;
    boolean external = false;
    int tag;
    while ((tag = in.readTag()) != 0) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 1 -> readLongs(tag, dims);
        case 2 -> dataType = expect(tag, VARINT) ? in.readInt32() : 0;
        case 4 -> floatData = readFloats(tag, floatData == null ? new FloatList() : floatData);
        case 5, 7 -> longData = readLongs(tag, longData == null ? new LongList() : longData);
        case 8 -> {
          name = expect(tag, LEN) ? in.readString() : "";
          tensorName = name;
        }
        case 9 -> {
          expect(tag, LEN);
          int size = length();
          int offset = in.getTotalBytesRead();
          in.skipRawBytes(size);
          raw = buffer.slice(buffer.position() + offset, size).asReadOnlyBuffer();
        }
        case 14 -> external = expect(tag, VARINT) && in.readInt32() == 1;
        default -> in.skipField(tag);
      }
    }
    long[] shape = dims.toArray();
    OnnxTensor t =
        new OnnxTensor(
            name,
            shape,
            dataType,
            raw,
            floatData == null ? null : floatData.toArray(),
            longData == null ? null : longData.toArray(),
            external);
    validate(t);
    return t;
  }

  private void validate(OnnxTensor t) throws IOException {
    String problem = t.dataProblem();
    if (problem != null) {
      throw error("tensor '" + t.name() + "' " + Arrays.toString(t.dims()) + " " + problem);
    }
  }

  private boolean expect(int tag, int wireType) throws IOException {
    if (WireFormat.getTagWireType(tag) != wireType) {
      throw error(
          "field "
              + WireFormat.getTagFieldNumber(tag)
              + " has wire type "
              + WireFormat.getTagWireType(tag)
              + ", expected "
              + wireType);
    }
    return true;
  }

  /** Length of a length-delimited field, checked against its message and the end of the data. */
  private int length() throws IOException {
    int n = in.readRawVarint32();
    long left = (long) buffer.remaining() - in.getTotalBytesRead();
    int inMessage = in.getBytesUntilLimit();
    if (n < 0 || n > left) {
      throw error(
          "a field of "
              + Integer.toUnsignedString(n)
              + " bytes runs past the end of the data ("
              + left
              + " bytes left): the file is truncated or corrupt");
    }
    if (inMessage >= 0 && n > inMessage) {
      throw error("a field of " + n + " bytes runs past the end of its message");
    }
    return n;
  }

  /** A repeated int64 field, packed or not; {@code int32} fields decode the same on the wire. */
  private LongList readLongs(int tag, LongList out) throws IOException {
    if (WireFormat.getTagWireType(tag) == LEN) {
      int old = in.pushLimit(length());
      while (in.getBytesUntilLimit() > 0) {
        out.add(in.readInt64());
      }
      in.popLimit(old);
    } else {
      expect(tag, VARINT);
      out.add(in.readInt64());
    }
    return out;
  }

  private FloatList readFloats(int tag, FloatList out) throws IOException {
    if (WireFormat.getTagWireType(tag) == LEN) {
      int n = length();
      if (n % 4 != 0) {
        throw error("packed float field of " + n + " bytes is not a multiple of 4");
      }
      int old = in.pushLimit(n);
      while (in.getBytesUntilLimit() > 0) {
        out.add(in.readFloat());
      }
      in.popLimit(old);
    } else {
      expect(tag, FIXED32);
      out.add(in.readFloat());
    }
    return out;
  }

  private static final class LongList {
    private long[] a = new long[8];
    private int n;

    void add(long v) {
      if (n == a.length) {
        a = Arrays.copyOf(a, n * 2);
      }
      a[n++] = v;
    }

    long[] toArray() {
      return Arrays.copyOf(a, n);
    }
  }

  private static final class FloatList {
    private float[] a = new float[8];
    private int n;

    void add(float v) {
      if (n == a.length) {
        a = Arrays.copyOf(a, n * 2);
      }
      a[n++] = v;
    }

    float[] toArray() {
      return Arrays.copyOf(a, n);
    }
  }
}
