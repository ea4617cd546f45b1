/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@code --trace} JSONL file: the first line holds the three prompts' token ids {@code
 * {"cloud_ids": [...], "ctx_ids": [...], "noctx_ids": [...]}}, then one line per step {@code
 * {"step": 0, "token": 42, "steered": true}} (the chosen token's cloud id, whether the device's
 * delta steered it). Written as it goes and flushed per line.
 */
public final class SteerTrace implements StepListener, AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Writer out;

  public SteerTrace(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
  }

  @Override
  public void onPrompts(long[] cloudIds, long[] ctxIds, long[] noctxIds) {
    try {
      var root = JSON.createObjectNode();
      fill(root.putArray("cloud_ids"), cloudIds);
      fill(root.putArray("ctx_ids"), ctxIds);
      fill(root.putArray("noctx_ids"), noctxIds);
      line(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void onToken(int step, long token, boolean steered) {
    try {
      var node = JSON.createObjectNode();
      node.put("step", step);
      node.put("token", token);
      node.put("steered", steered);
      line(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void line(Object node) throws IOException {
    out.write(JSON.writeValueAsString(node));
    out.write('\n');
    out.flush();
  }

  private static void fill(com.fasterxml.jackson.databind.node.ArrayNode a, long[] ids) {
    for (long id : ids) {
      a.add(id);
    }
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
