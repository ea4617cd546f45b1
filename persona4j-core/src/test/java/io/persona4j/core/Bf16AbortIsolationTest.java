/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Documents why Persona4j keeps BF16 weights out of DJL (issue 16): with DJL 0.35.1 and PyTorch
 * 2.7.1, creating any BFLOAT16 NDArray aborts the whole JVM. The abort is in DJL's JNI dtype
 * mapping ({@code utils::GetScalarTypeFromDType}, reached from {@code torchFromBlob} and {@code
 * toType}), which throws outside any handler: {@code std::terminate}, SIGABRT; no PyTorch kernel
 * runs. FLOAT16 goes through the same calls and works. Each case runs in a child JVM, so this test
 * survives the abort; when an upgrade of DJL fixes it, the first case fails and BF16 tensors can be
 * reconsidered (see io.persona4j.core.kernel).
 */
class Bf16AbortIsolationTest {
  private static final int SIGABRT_EXIT = 128 + 6;

  record Outcome(int exit, String output) {}

  private static Outcome probe(String type, Path dir) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Dai.djl.offline=true");
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("-XX:-CreateCoredumpOnCrash");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Bf16Probe.class.getName());
    cmd.add(type);
    Path log = dir.resolve(type + ".log");
    Process p =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(type + " probe did not finish in 180 s");
    }
    return new Outcome(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  @Test
  void creatingABfloat16ArrayAbortsTheJvmInDjlsDtypeMapping(@TempDir Path dir) throws Exception {
    Outcome bf16 = probe("BFLOAT16", dir);
    assertThat(bf16.output()).contains("probe: converting FLOAT32 to BFLOAT16");
    assertThat(bf16.output()).doesNotContain("probe: ok");
    assertThat(bf16.exit()).as(bf16.output()).isEqualTo(SIGABRT_EXIT);
    assertThat(bf16.output()).contains("terminate called");
  }

  @Test
  void float16GoesThroughTheSameCallsAndWorks(@TempDir Path dir) throws Exception {
    Outcome f16 = probe("FLOAT16", dir);
    // [1, -2.5, 0.1] . [1, -2.5, 0.1] = 7.26 in F16 arithmetic (0.1 -> 0.0999755859375)
    assertThat(f16.exit()).as(f16.output()).isZero();
    assertThat(f16.output()).containsPattern("probe: ok 7\\.2[56]");
  }
}
