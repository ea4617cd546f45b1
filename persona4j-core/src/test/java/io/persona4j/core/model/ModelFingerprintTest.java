/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.core.io.DType;
import io.persona4j.core.io.HostTensor;
import io.persona4j.core.io.SafetensorsWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFingerprintTest {
  @TempDir Path dir;

  private static Map<String, HostTensor> weights(float scale) {
    Map<String, HostTensor> t = new LinkedHashMap<>();
    t.put("model.norm.weight", HostTensor.f32(new long[] {4}, new float[] {1, 1, 1, scale}));
    t.put(
        "model.embed_tokens.weight",
        HostTensor.f32(new long[] {2, 3}, new float[] {0.5f, -1, 2, 3, 4, 5}));
    return t;
  }

  private Path write(String name, Map<String, HostTensor> tensors, Map<String, String> metadata)
      throws Exception {
    Path d = dir.resolve(name);
    Files.createDirectories(d);
    SafetensorsWriter.write(d.resolve("model.safetensors"), tensors, metadata);
    return d;
  }

  @Test
  void equalsAnIndependentHashOfTheDocumentedCanonicalForm() throws Exception {
    Path d = write("a", weights(7), Map.of("format", "pt"));
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    // name order: "model.embed_tokens.weight" < "model.norm.weight"
    canonical(sha, "model.embed_tokens.weight", "F32", new long[] {2, 3}, 0.5f, -1, 2, 3, 4, 5);
    canonical(sha, "model.norm.weight", "F32", new long[] {4}, 1, 1, 1, 7);
    String expected = "sha256:" + HexFormat.of().formatHex(sha.digest());

    assertThat(ModelFingerprint.of(d)).isEqualTo(expected);
    assertThat(ModelFingerprint.isWellFormed(expected)).isTrue();
  }

  private static void canonical(
      MessageDigest sha, String name, String dtype, long[] shape, float... values) {
    sha.update(name.getBytes(StandardCharsets.UTF_8));
    sha.update((byte) 0);
    sha.update(dtype.getBytes(StandardCharsets.US_ASCII));
    sha.update((byte) 0);
    ByteBuffer b = ByteBuffer.allocate(8 * (2 + shape.length)); // big-endian longs
    b.putLong(shape.length);
    for (long s : shape) {
      b.putLong(s);
    }
    b.putLong(4L * values.length);
    sha.update(b.array());
    ByteBuffer data = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      data.putFloat(v);
    }
    sha.update(data.array());
  }

  @Test
  void dependsOnTheWeightsOnlyNotOnLayoutOrderOrMetadata() throws Exception {
    Map<String, HostTensor> reversed = new LinkedHashMap<>();
    weights(7).entrySet().stream()
        .toList()
        .reversed()
        .forEach(e -> reversed.put(e.getKey(), e.getValue()));
    String a = ModelFingerprint.of(write("a", weights(7), Map.of("format", "pt")));
    String b = ModelFingerprint.of(write("b", reversed, Map.of("format", "pt", "x", "y")));
    Path sharded = dir.resolve("sharded");
    SafetensorsWriter.writeSharded(sharded, weights(7), 20, Map.of("format", "pt"));
    assertThat(Files.exists(sharded.resolve("model.safetensors.index.json"))).isTrue();

    assertThat(b).isEqualTo(a);
    assertThat(ModelFingerprint.of(sharded)).isEqualTo(a);
  }

  @Test
  void oneChangedValueOrDtypeChangesIt() throws Exception {
    String a = ModelFingerprint.of(write("a", weights(7), Map.of()));
    String changed = ModelFingerprint.of(write("b", weights(7.0000005f), Map.of()));
    Map<String, HostTensor> bf16 = new LinkedHashMap<>(weights(7));
    bf16.put(
        "model.norm.weight", HostTensor.of(DType.BF16, new long[] {4}, new float[] {1, 1, 1, 7}));
    String otherType = ModelFingerprint.of(write("c", bf16, Map.of()));

    assertThat(changed).isNotEqualTo(a);
    assertThat(otherType).isNotEqualTo(a).isNotEqualTo(changed);
  }

  @Test
  void aRewrittenCheckpointIsHashedAgainNotServedFromTheCache() throws Exception {
    Path d = write("a", weights(7), Map.of());
    String first = ModelFingerprint.of(d);
    SafetensorsWriter.write(d.resolve("model.safetensors"), weights(8), Map.of());
    assertThat(ModelFingerprint.of(d)).isNotEqualTo(first);
    SafetensorsWriter.write(d.resolve("model.safetensors"), weights(7), Map.of());
    assertThat(ModelFingerprint.of(d)).isEqualTo(first);
  }

  @Test
  void malformedValuesAreRejectedNamingWhereTheyCameFrom() {
    assertThatThrownBy(() -> ModelFingerprint.requireWellFormed("sha256:abc", "x.json field fp"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x.json field fp")
        .hasMessageContaining("'sha256:abc'");
    assertThat(ModelFingerprint.isWellFormed("SHA256:" + "a".repeat(64))).isFalse();
    assertThat(ModelFingerprint.isWellFormed(null)).isFalse();
    assertThat(ModelFingerprint.abbreviate("sha256:" + "0123456789abcdef".repeat(4)))
        .isEqualTo("sha256:0123456789ab");
  }
}
