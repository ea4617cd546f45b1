/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.MessageLite;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.persona4j.steer.cloud.CloudServerConfig;
import io.persona4j.steer.device.GrpcCloudConnector;
import io.persona4j.steer.proto.DeviceMessage;
import io.persona4j.steer.wire.WireFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The privacy audit: every message the cloud receives in a session, captured at the gRPC layer
 * (serialized bytes, before any of the cloud's code), holds the query and the generated tokens and
 * nothing else: no token-id sequence of length >= 3 of the private context, none of its text.
 */
class PrivacyAuditTest {
  @TempDir Path tmp;

  static final String CONTEXT =
      "Private notes: diagnosed with Crohn's disease in 2019; bank PIN 4417; lives at 12 Rue"
          + " Oberkampf, Paris; allergic to penicillin.";
  static final String QUERY = "What should I cook tonight?";

  /** Records the bytes of every message a server call receives. */
  static final class Tap implements ServerInterceptor {
    final List<byte[]> messages = new ArrayList<>();

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      synchronized (messages) {
        StringBuilder h = new StringBuilder();
        for (String k : headers.keys()) {
          if (!k.endsWith("-bin")) {
            h.append(k)
                .append('=')
                .append(headers.get(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER)));
          }
        }
        messages.add(h.toString().getBytes(StandardCharsets.UTF_8));
      }
      return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
          next.startCall(call, headers)) {
        @Override
        public void onMessage(Q message) {
          synchronized (messages) {
            messages.add(((MessageLite) message).toByteArray());
          }
          super.onMessage(message);
        }
      };
    }
  }

  @Test
  void theCloudReceivesTheQueryAndTheGeneratedTokensOnly() throws Exception {
    Tap tap = new Tap();
    try (CloudRig rig = new CloudRig(tmp, CloudServerConfig.builder().build(), tap);
        GrpcCloudConnector remote = rig.remote();
        SteeredGenerator g = new SteeredGenerator(rig.device, remote)) {
      String personalized = SteeredGenerator.personalize(CONTEXT, QUERY);
      for (WireFormat wire : List.of(WireFormat.F32, WireFormat.topK(32))) {
        synchronized (tap.messages) {
          tap.messages.clear();
        }
        SteerConfig cfg = SteerConfig.builder().optMaxNewTokens(24).optWire(wire).build();
        SteerResult r = g.generate(QUERY, personalized, cfg, StepListener.NONE);
        SteerResult plain =
            g.generate(QUERY, personalized, cfg.withCloudOnly(true), StepListener.NONE);
        assertThat(r.tokens()).as("the context did steer the answer").isNotEqualTo(plain.tokens());
        List<byte[]> seen;
        synchronized (tap.messages) {
          seen = List.copyOf(tap.messages).subList(0, tapSessionEnd(tap, r));
        }
        audit(seen, r, rig);
      }
    }
  }

  /** Messages of the first (steered) session: headers, Open, tokens, Close. */
  private static int tapSessionEnd(Tap tap, SteerResult r) {
    return 1 + 1 + (r.tokens().length - 1) + 1;
  }

  private static void audit(List<byte[]> seen, SteerResult r, CloudRig rig) throws Exception {
    // 1. exactly: call headers, Open(query), one Token per generated token but the last, Close
    List<DeviceMessage> parsed = new ArrayList<>();
    for (byte[] b : seen.subList(1, seen.size())) {
      parsed.add(DeviceMessage.parseFrom(b));
    }
    assertThat(parsed.get(0).getOpen().getQuery()).isEqualTo(QUERY);
    assertThat(parsed.get(0).getOpen().getSystemPrompt()).isEqualTo(SteerConfig.DEFAULT_SYSTEM);
    List<Long> sentIds = new ArrayList<>();
    for (DeviceMessage m : parsed.subList(1, parsed.size() - 1)) {
      assertThat(m.hasToken()).isTrue();
      sentIds.add(Integer.toUnsignedLong(m.getToken().getTokenId()));
    }
    for (int i = 0; i < sentIds.size(); i++) {
      assertThat(sentIds.get(i)).isEqualTo(r.tokens()[i]);
    }
    assertThat(parsed.get(parsed.size() - 1).hasClose()).isTrue();

    // 2. no text of the context: no 6-character piece of it in any captured byte
    Set<String> allowed = new HashSet<>();
    String publicText = QUERY + SteerConfig.DEFAULT_SYSTEM + r.text();
    for (int i = 0; i + 6 <= CONTEXT.length(); i++) {
      String piece = CONTEXT.substring(i, i + 6);
      if (publicText.contains(piece)) {
        allowed.add(piece);
      }
    }
    assertThat(allowed).as("the test's context shares no text with the public part").isEmpty();
    for (byte[] b : seen) {
      String s = new String(b, StandardCharsets.ISO_8859_1);
      for (int i = 0; i + 6 <= CONTEXT.length(); i++) {
        assertThat(s).doesNotContain(CONTEXT.substring(i, i + 6));
      }
    }

    // 3. no token-id 3-gram of the context: neither of the context alone nor of the private
    // part of the device's prompt, in the ids the cloud holds (its prompt from the query, then
    // the tokens it was sent), nor as packed bytes in any message
    Set<List<Long>> secret = new HashSet<>();
    addGrams(secret, rig.device.tokenizer().encode(CONTEXT, false));
    Set<List<Long>> publicGrams = new HashSet<>();
    addGrams(publicGrams, r.noctxIds());
    Set<List<Long>> ctxGrams = new HashSet<>();
    addGrams(ctxGrams, r.ctxIds());
    ctxGrams.removeAll(publicGrams);
    secret.addAll(ctxGrams);
    assertThat(secret).hasSizeGreaterThan(20);
    long[] cloudHolds = new long[r.cloudIds().length + sentIds.size()];
    System.arraycopy(r.cloudIds(), 0, cloudHolds, 0, r.cloudIds().length);
    for (int i = 0; i < sentIds.size(); i++) {
      cloudHolds[r.cloudIds().length + i] = sentIds.get(i);
    }
    Set<List<Long>> held = new HashSet<>();
    addGrams(held, cloudHolds);
    held.retainAll(secret);
    assertThat(held).as("context 3-grams the cloud holds").isEmpty();
    for (List<Long> gram : secret) {
      for (byte[] b : seen) {
        assertThat(containsPacked(b, gram)).as("packed 3-gram %s", gram).isFalse();
      }
    }
  }

  private static void addGrams(Set<List<Long>> out, long[] ids) {
    for (int i = 0; i + 3 <= ids.length; i++) {
      out.add(List.of(ids[i], ids[i + 1], ids[i + 2]));
    }
  }

  /** Whether the three ids occur as consecutive varints or little-endian uint32s. */
  private static boolean containsPacked(byte[] b, List<Long> gram) {
    return indexOf(b, varints(gram)) >= 0 || indexOf(b, uint32s(gram)) >= 0;
  }

  private static byte[] varints(List<Long> ids) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (long v : ids) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
    }
    return out.toByteArray();
  }

  private static byte[] uint32s(List<Long> ids) {
    java.nio.ByteBuffer b =
        java.nio.ByteBuffer.allocate(12).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (long v : ids) {
      b.putInt((int) v);
    }
    return b.array();
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
