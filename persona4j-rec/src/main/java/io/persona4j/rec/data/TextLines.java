/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import io.persona4j.core.train.DatasetException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads a text file line by line (lines end with {@code \n} or {@code \r\n}) with strict decoding,
 * handing each line with its number. Lines are split on bytes before decoding, which is exact for
 * ASCII-compatible charsets such as UTF-8 and ISO-8859-1, so a decoding error names its line.
 */
final class TextLines {
  private TextLines() {}

  /** What to do with one line. */
  @FunctionalInterface
  interface LineHandler {
    /**
     * @param lineNo 1-based line number
     * @param line the line without its terminator
     */
    void accept(long lineNo, String line) throws IOException;
  }

  /**
   * Calls {@code handler} for every line of {@code file} that is not blank. A byte sequence that is
   * not valid in {@code charset} is an error naming the line. A UTF-8 byte order mark is skipped.
   */
  static void forEach(Path file, Charset charset, LineHandler handler) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "not a regular file");
    }
    CharsetDecoder decoder =
        charset
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    byte[] line = new byte[256];
    byte[] block = new byte[1 << 16];
    int blockLen = 0;
    int pos = 0;
    long lineNo = 0;
    try (InputStream in = Files.newInputStream(file)) {
      boolean eof = false;
      while (true) {
        int len = 0;
        boolean complete = false;
        while (!complete) {
          if (pos == blockLen) {
            blockLen = eof ? -1 : in.read(block);
            pos = 0;
            if (blockLen <= 0) {
              eof = true;
              blockLen = 0;
              break;
            }
          }
          int end = pos;
          while (end < blockLen && block[end] != '\n') {
            end++;
          }
          int n = end - pos;
          if (len + n > line.length) {
            line = Arrays.copyOf(line, Math.max(line.length * 2, len + n));
          }
          System.arraycopy(block, pos, line, len, n);
          len += n;
          complete = end < blockLen;
          pos = complete ? end + 1 : end;
        }
        if (!complete && len == 0) {
          return;
        }
        lineNo++;
        handle(file, charset, decoder, handler, line, len, lineNo);
        if (!complete) {
          return;
        }
      }
    }
  }

  private static void handle(
      Path file,
      Charset charset,
      CharsetDecoder decoder,
      LineHandler handler,
      byte[] buf,
      int len,
      long lineNo)
      throws IOException {
    if (len > 0 && buf[len - 1] == '\r') {
      len--;
    }
    int start = 0;
    if (lineNo == 1
        && len >= 3
        && (buf[0] & 0xff) == 0xEF
        && (buf[1] & 0xff) == 0xBB
        && (buf[2] & 0xff) == 0xBF) {
      start = 3;
    }
    ByteBuffer bytes = ByteBuffer.wrap(buf, start, len - start);
    String text;
    try {
      text = decoder.reset().decode(bytes).toString();
    } catch (CharacterCodingException e) {
      int at = bytes.position() - start + 1;
      throw new DatasetException(
          file,
          lineNo,
          null,
          "not valid " + charset.name() + " text at byte " + at + " of the line (" + e + ")");
    }
    if (!text.isBlank()) {
      handler.accept(lineNo, text);
    }
  }
}
