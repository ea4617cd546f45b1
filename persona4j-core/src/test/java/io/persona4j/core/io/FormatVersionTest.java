/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FormatVersionTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path FILE = Path.of("some/dir/thing.json");

  @Test
  void stampWritesAnIntegerVersionAndTheCodeVersion() throws Exception {
    ObjectNode o = FormatVersion.stamp(JSON.createObjectNode(), 3);
    assertThat(o.get("format_version").isInt()).isTrue();
    assertThat(o.get("format_version").intValue()).isEqualTo(3);
    assertThat(o.get("code_version").isTextual()).isTrue();
    assertThat(FormatVersion.check(FILE, o, 3)).isEqualTo(3);
  }

  @Test
  void anIntegerAndItsDecimalStringAreTheSameVersion() throws Exception {
    assertThat(FormatVersion.check(FILE, JSON.readTree("{\"format_version\": \"1\"}"), 1))
        .isEqualTo(1);
    assertThat(FormatVersion.check(FILE, "persona4j.format_version", "1", 1)).isEqualTo(1);
    assertThat(FormatVersion.problem("persona4j.format_version", "1", 1)).isNull();
    assertThat(FormatVersion.check(FILE, "version", JSON.readTree("1"), 1, 2)).isEqualTo(1);
  }

  @Test
  void missingOrUnknownVersionsNameFileFieldAndValue() {
    assertThatThrownBy(() -> FormatVersion.check(FILE, JSON.readTree("{\"x\": 1}"), 1))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageStartingWith(FILE.toString())
        .hasMessageContaining("'format_version' = null")
        .hasMessageContaining("no 'format_version'");
    assertThatThrownBy(() -> FormatVersion.check(FILE, JSON.readTree("{\"format_version\": 2}"), 1))
        .hasMessageContaining("field 'format_version' = 2: unsupported")
        .hasMessageContaining("reads '1' only");
    assertThatThrownBy(
            () -> FormatVersion.check(FILE, JSON.readTree("{\"format_version\": \"1.0\"}"), 1))
        .hasMessageContaining("'format_version' = '1.0'");
    assertThatThrownBy(
            () -> FormatVersion.check(FILE, JSON.readTree("{\"format_version\": true}"), 1))
        .hasMessageContaining("'format_version' = true");
    assertThatThrownBy(() -> FormatVersion.check(FILE, "version", JSON.readTree("7"), 1, 2))
        .hasMessageContaining("'version' = 7")
        .hasMessageContaining("reads 1 to 2");
    assertThatThrownBy(() -> FormatVersion.check(FILE, "persona4j.format_version", "x", 1))
        .hasMessageContaining("'persona4j.format_version' = 'x'");
  }

  @Test
  void atomicWritesReplaceTheWholeFile(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("a.json");
    AtomicFiles.writeString(f, "first, longer content");
    AtomicFiles.writeString(f, "second");
    assertThat(Files.readString(f)).isEqualTo("second");
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(f); // no temporary file left behind
    }
  }
}
