/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persona4j.core.io.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateCheckpointTest {

  @TempDir Path dir;

  private static ServerState state(int round, float v) {
    ParameterSet g = QuadraticClient.layout(new float[] {v, 1, 2, 3, 4, 5, 6, 7});
    ParameterSet p = QuadraticClient.layout(new float[] {-v, 0, 0, 0, 0, 0, 0, Float.MIN_VALUE});
    return new ServerState(round, g, Map.of("alice", p, "bob", g));
  }

  @Test
  void roundTripKeepsOnlyTheLatestBinary() throws IOException {
    StateCheckpoint ck = new StateCheckpoint(dir);
    assertThat(ck.load()).isEmpty();
    ck.save(state(1, 0.5f));
    ck.save(state(2, 1.5f));
    assertThat(ck.load()).contains(state(2, 1.5f));
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).sorted())
          .containsExactly("state-000002.bin", "state.json");
    }
    String json = Files.readString(dir.resolve("state.json"));
    assertThat(json).contains("\"round\" : 2").contains("\"alice\"").contains("\"sha256\"");
  }

  @Test
  void aCrashDuringTheNextSaveLeavesThePreviousStateLoadable() throws IOException {
    StateCheckpoint ck = new StateCheckpoint(dir);
    ck.save(state(2, 1.5f));
    // a crash after writing (part of) the next binary and a temp json, before the commit rename
    Files.write(dir.resolve("state-000003.bin"), new byte[] {1, 2, 3});
    Files.writeString(dir.resolve("state.json12345.tmp"), "{\"round\": 3");
    assertThat(ck.load()).contains(state(2, 1.5f));
  }

  @Test
  void corruptedBinaryIsDetected() throws IOException {
    StateCheckpoint ck = new StateCheckpoint(dir);
    ck.save(state(2, 1.5f));
    Path bin = dir.resolve("state-000002.bin");
    byte[] b = Files.readAllBytes(bin);
    b[b.length - 1] ^= 1;
    Files.write(bin, b);
    assertThatThrownBy(ck::load).isInstanceOf(IOException.class).hasMessageContaining("SHA-256");
  }

  @Test
  void checkpointsWithTheOldVersionKeyLoadAndUnknownVersionsAreRejected() throws IOException {
    StateCheckpoint ck = new StateCheckpoint(dir);
    ck.save(state(2, 1.5f), "{\"dp\": 1}");
    Path json = dir.resolve("state.json");
    String written = Files.readString(json);
    assertThat(written).contains("\"format_version\" : 2").contains("\"code_version\"");
    // as older builds wrote it: "version", no code_version
    Files.writeString(
        json,
        written
            .replace("\"format_version\" : 2", "\"version\" : 2")
            .replaceAll("\\s*\"code_version\" : \"[^\"]*\",", ""));
    assertThat(Files.readString(json)).doesNotContain("code_version");
    assertThat(ck.loadSaved()).contains(new StateCheckpoint.Saved(state(2, 1.5f), "{\"dp\": 1}"));
    Files.writeString(json, written.replace("\"format_version\" : 2", "\"format_version\" : 3"));
    assertThatThrownBy(ck::load)
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(json.toString())
        .hasMessageContaining("'format_version' = 3: unsupported");
  }
}
