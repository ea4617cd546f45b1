/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.transport.grpc;

import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.transport.grpc.proto.ConfigValue;
import io.persona4j.transport.grpc.proto.InstructionHeader;
import io.persona4j.transport.grpc.proto.ReplyHeader;
import io.persona4j.transport.grpc.proto.Task;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Converts {@link Instruction}s and {@link Reply}s to and from their protobuf headers (the
 * parameters travel separately as chunks). Config values keep their Java type (String, Boolean,
 * Integer, Long, Float, Double; other numbers travel as Double).
 */
final class WireCodec {

  private WireCodec() {}

  static InstructionHeader header(long messageId, Instruction in) {
    InstructionHeader.Builder b =
        InstructionHeader.newBuilder()
            .setMessageId(messageId)
            .setTask(in.task() == Instruction.Task.FIT ? Task.TASK_FIT : Task.TASK_EVALUATE)
            .setRound(in.round())
            .setClientId(in.clientId())
            .addAllTensors(TensorChunker.headers(in.parameters()));
    for (Map.Entry<String, Object> e : in.config().entrySet()) {
      b.putConfig(e.getKey(), toWire(e.getValue()));
    }
    return b.build();
  }

  static Instruction instruction(InstructionHeader h, ParameterSet parameters)
      throws ProtocolException {
    Instruction.Task task =
        switch (h.getTask()) {
          case TASK_FIT -> Instruction.Task.FIT;
          case TASK_EVALUATE -> Instruction.Task.EVALUATE;
          default -> throw new ProtocolException("instruction with task " + h.getTask());
        };
    Map<String, Object> config = new LinkedHashMap<>();
    for (Map.Entry<String, ConfigValue> e : h.getConfigMap().entrySet()) {
      config.put(e.getKey(), fromWire(e.getKey(), e.getValue()));
    }
    try {
      return new Instruction(task, h.getRound(), h.getClientId(), parameters, config);
    } catch (IllegalArgumentException e) {
      throw new ProtocolException("bad instruction: " + e.getMessage(), e);
    }
  }

  static ReplyHeader header(long messageId, Reply r, long localNanos) {
    ReplyHeader.Builder b =
        ReplyHeader.newBuilder()
            .setMessageId(messageId)
            .setClientId(r.clientId())
            .setRound(r.round())
            .setNumExamples(r.numExamples())
            .putAllMetrics(r.metrics())
            .setLocalNanos(localNanos);
    if (r.isError()) {
      b.setError(r.error());
    } else {
      b.addAllTensors(TensorChunker.headers(r.parameters()));
    }
    return b.build();
  }

  /** A header saying that the client application threw instead of replying. */
  static ReplyHeader exceptionHeader(
      long messageId, String clientId, int round, Throwable t, long localNanos) {
    return ReplyHeader.newBuilder()
        .setMessageId(messageId)
        .setClientId(clientId)
        .setRound(round)
        .setException(t.getClass().getSimpleName() + ": " + t.getMessage())
        .setLocalNanos(localNanos)
        .build();
  }

  /** The reply of a header without {@code exception}. */
  static Reply reply(ReplyHeader h, ParameterSet parameters) throws ProtocolException {
    if (h.hasError() && parameters.size() > 0) {
      throw new ProtocolException("error reply must not carry tensors");
    }
    try {
      return new Reply(
          h.getClientId(),
          h.getRound(),
          h.hasError() ? null : parameters,
          h.getNumExamples(),
          h.getMetricsMap(),
          h.hasError() ? h.getError() : null);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new ProtocolException("bad reply: " + e.getMessage(), e);
    }
  }

  static ConfigValue toWire(Object v) {
    ConfigValue.Builder b = ConfigValue.newBuilder();
    if (v instanceof String s) {
      b.setS(s);
    } else if (v instanceof Boolean x) {
      b.setB(x);
    } else if (v instanceof Integer x) {
      b.setI32(x);
    } else if (v instanceof Long x) {
      b.setI64(x);
    } else if (v instanceof Float x) {
      b.setF32(x);
    } else if (v instanceof Number x) {
      b.setF64(x.doubleValue());
    } else {
      throw new IllegalArgumentException("unsupported config value " + v);
    }
    return b.build();
  }

  static Object fromWire(String key, ConfigValue v) throws ProtocolException {
    return switch (v.getValueCase()) {
      case S -> v.getS();
      case B -> v.getB();
      case I32 -> v.getI32();
      case I64 -> v.getI64();
      case F32 -> v.getF32();
      case F64 -> v.getF64();
      case VALUE_NOT_SET -> throw new ProtocolException("config '" + key + "' has no value");
    };
  }
}
