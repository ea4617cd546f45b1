/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.persona4j.core.io.HostTensor;
import io.persona4j.core.io.ModelFormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingCheckpointTest {
  @TempDir Path root;

  static TrainerState state(long step) {
    return new TrainerState(
        step,
        step * 4,
        42,
        true,
        100,
        2,
        2,
        "adamw",
        Map.of("beta1", 0.9),
        Map.of("early_stopping", JsonNodeFactory.instance.objectNode().put("best", 1.5)));
  }

  static Map<String, HostTensor> params(float v) {
    return Map.of("w", HostTensor.f32(new long[] {2}, new float[] {v, -v}));
  }

  static Map<String, HostTensor> optimizer(float v) {
    return Map.of("w/exp_avg", HostTensor.f32(new long[] {2}, new float[] {v, v}));
  }

  List<String> hiddenEntries() throws IOException {
    try (Stream<Path> s = Files.list(root)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
    }
  }

  @Test
  void roundTrip() throws IOException {
    Path dir = TrainingCheckpoint.write(root, state(7), params(1f), optimizer(2f));
    assertThat(dir).isEqualTo(root.resolve("checkpoint-7"));
    assertThat(TrainingCheckpoint.readState(dir)).isEqualTo(state(7));
    assertThat(TrainingCheckpoint.readTensors(dir.resolve(TrainingCheckpoint.PARAMETERS)))
        .isEqualTo(params(1f));
    assertThat(TrainingCheckpoint.readTensors(dir.resolve(TrainingCheckpoint.OPTIMIZER)))
        .isEqualTo(optimizer(2f));
    String json = Files.readString(dir.resolve(TrainingCheckpoint.STATE));
    assertThat(json).contains("\"format_version\" : 1").contains("\"data_cursor\" : 28");
    assertThat(hiddenEntries()).isEmpty();
  }

  @Test
  void failureMidWriteLeavesThePreviousCheckpointAndNoPartialOne() throws IOException {
    Path first = TrainingCheckpoint.write(root, state(5), params(1f), optimizer(1f));
    byte[] before = Files.readAllBytes(first.resolve(TrainingCheckpoint.PARAMETERS));
    for (String failAfter :
        List.of(
            TrainingCheckpoint.PARAMETERS,
            TrainingCheckpoint.OPTIMIZER,
            TrainingCheckpoint.STATE)) {
      assertThatThrownBy(
              () ->
                  TrainingCheckpoint.write(
                      root,
                      state(10),
                      params(9f),
                      optimizer(9f),
                      name -> {
                        if (name.equals(failAfter)) {
                          throw new IOException("simulated crash after " + name);
                        }
                      }))
          .hasMessageContaining("simulated crash");
      assertThat(root.resolve("checkpoint-10")).doesNotExist();
      assertThat(hiddenEntries()).isEmpty();
      assertThat(TrainingCheckpoint.latest(root)).contains(first);
      assertThat(Files.readAllBytes(first.resolve(TrainingCheckpoint.PARAMETERS)))
          .isEqualTo(before);
      assertThat(TrainingCheckpoint.readState(first).step()).isEqualTo(5);
    }
    // A failure while replacing a checkpoint of the same step keeps the old one.
    assertThatThrownBy(
            () ->
                TrainingCheckpoint.write(
                    root,
                    state(5),
                    params(9f),
                    optimizer(9f),
                    name -> {
                      throw new IOException("simulated crash");
                    }))
        .isInstanceOf(IOException.class);
    assertThat(Files.readAllBytes(first.resolve(TrainingCheckpoint.PARAMETERS))).isEqualTo(before);
  }

  @Test
  void leftoversOfAKilledWriteAreIgnoredThenRemoved() throws IOException {
    Path good = TrainingCheckpoint.write(root, state(5), params(1f), optimizer(1f));
    // what a process killed mid-write leaves: a hidden directory with a partial file
    Path partial = Files.createDirectories(root.resolve(".checkpoint-10.123456"));
    Files.write(partial.resolve(TrainingCheckpoint.PARAMETERS), new byte[] {1, 2, 3});
    assertThat(TrainingCheckpoint.latest(root)).contains(good);
    assertThat(TrainingCheckpoint.list(root)).containsExactly(good);
    TrainingCheckpoint.write(root, state(15), params(2f), optimizer(2f));
    assertThat(partial).doesNotExist();
    assertThat(TrainingCheckpoint.latest(root)).contains(root.resolve("checkpoint-15"));
  }

  @Test
  void rewritingAStepReplacesIt() throws IOException {
    TrainingCheckpoint.write(root, state(3), params(1f), optimizer(1f));
    Path dir = TrainingCheckpoint.write(root, state(3), params(4f), optimizer(4f));
    assertThat(TrainingCheckpoint.readTensors(dir.resolve(TrainingCheckpoint.PARAMETERS)))
        .isEqualTo(params(4f));
    assertThat(hiddenEntries()).isEmpty();
  }

  @Test
  void unknownFormatVersionIsRejectedClearly() throws IOException {
    Path dir = TrainingCheckpoint.write(root, state(2), params(1f), optimizer(1f));
    Path file = dir.resolve(TrainingCheckpoint.STATE);
    String json = Files.readString(file);
    Files.writeString(file, json.replace("\"format_version\" : 1", "\"format_version\" : 2"));
    assertThatThrownBy(() -> TrainingCheckpoint.readState(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("'format_version' = 2: unsupported")
        .hasMessageContaining("reads '1' only");
    Files.writeString(file, json.replace("persona4j-training-checkpoint", "something-else"));
    assertThatThrownBy(() -> TrainingCheckpoint.readState(dir))
        .hasMessageContaining("not a Persona4j training checkpoint");
    Files.writeString(file, json.replace("\"data_cursor\"", "\"cursor\""));
    assertThatThrownBy(() -> TrainingCheckpoint.readState(dir))
        .hasMessageContaining("field 'data_cursor' is missing");
    Files.write(file, "{".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> TrainingCheckpoint.readState(dir))
        .hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> TrainingCheckpoint.readState(root))
        .hasMessageContaining("not a training checkpoint");
  }

  @Test
  void pruneKeepsTheNewest() throws IOException {
    for (long s : new long[] {2, 10, 4}) {
      TrainingCheckpoint.write(root, state(s), params(1f), optimizer(1f));
    }
    TrainingCheckpoint.prune(root, 2);
    assertThat(TrainingCheckpoint.list(root))
        .containsExactly(root.resolve("checkpoint-4"), root.resolve("checkpoint-10"));
  }
}
