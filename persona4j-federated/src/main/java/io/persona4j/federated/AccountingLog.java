package io.persona4j.federated;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/** Appends one JSON object per line to a file (JSONL); each line is written and flushed whole. */
public final class AccountingLog {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final Path file;

  /** A log appending to {@code file} (created with its parent directories on first write). */
  public AccountingLog(Path file) {
    this.file = file;
  }

  /** Appends one record as a JSON line. */
  public synchronized void append(Map<String, Object> record) {
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      byte[] line = (MAPPER.writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8);
      Files.write(
          file,
          line,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND,
          StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to accounting log " + file, e);
    }
  }
}
