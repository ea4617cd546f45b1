/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AdaCoSteer in a generation: given the cloud's uncertainties per token, steering switches off
 * exactly at the third consecutive confident token and the device model is not run afterwards.
 */
class AdaCoSteerGenerationTest {
  @TempDir Path tmp;

  @Test
  void switchesOffAtTheThirdConsecutiveConfidentTokenAndStopsRunningTheDevice() throws Exception {
    Path c = SteerFixture.cloud(tmp.resolve("cloud"), 1);
    Path d = SteerFixture.device(tmp.resolve("device"), c, 2);
    double[] u = {0.5, 0.05, 0.05, 0.3, 0.01, 0.02, 0.03, 0.9, 0.9, 0.5};
    int v = SteerFixture.VOCAB;
    ScriptedCloud cloud =
        new ScriptedCloud(
            c.resolve("tokenizer.json"),
            v,
            step -> ScriptedCloud.peaked(v, 10 + step, 1 - u[Math.min(step, u.length - 1)]));
    try (NDManager m = TensorRuntime.newManager();
        SteerModel device = SteerModel.load(d, m);
        SteeredGenerator g = new SteeredGenerator(device, cloud)) {
      Path traceFile = tmp.resolve("trace.jsonl");
      SteerResult r;
      try (SteerTrace trace = new SteerTrace(traceFile)) {
        r =
            g.generate(
                "q",
                "ctx\n\nq",
                SteerConfig.builder().optMaxNewTokens(10).optAda(0.1, 3).build(),
                trace);
      }
      assertThat(r.steered())
          .containsExactly(true, true, true, true, true, true, false, false, false, false);
      // prefill + 5 appends while steering (tokens 0..5), on both streams; none afterwards
      assertThat(r.deviceForwards()).isEqualTo(12);
      assertThat(r.steeredShare()).isEqualTo(0.6);
      // unsteered tokens are the cloud's argmax
      for (int i = 6; i < 10; i++) {
        assertThat(r.tokens()[i]).isEqualTo(10 + i);
      }
      List<String> lines = Files.readAllLines(traceFile);
      assertThat(lines).hasSize(11);
      assertThat(lines.get(0)).startsWith("{\"cloud_ids\":[1,40],\"ctx_ids\":[");
      assertThat(lines.get(0)).contains("\"noctx_ids\":[");
      assertThat(lines.get(7)).isEqualTo("{\"step\":6,\"token\":16,\"steered\":false}");
      assertThat(lines.get(1)).matches("\\{\"step\":0,\"token\":\\d+,\"steered\":true\\}");
    }
  }

  @Test
  void withoutTheGateEveryTokenIsSteered() throws Exception {
    Path c = SteerFixture.cloud(tmp.resolve("cloud"), 1);
    Path d = SteerFixture.device(tmp.resolve("device"), c, 2);
    int v = SteerFixture.VOCAB;
    ScriptedCloud cloud =
        new ScriptedCloud(
            c.resolve("tokenizer.json"), v, step -> ScriptedCloud.peaked(v, 9, 0.999));
    try (NDManager m = TensorRuntime.newManager();
        SteerModel device = SteerModel.load(d, m);
        SteeredGenerator g = new SteeredGenerator(device, cloud)) {
      SteerResult r =
          g.generate(
              "q", "ctx\n\nq", SteerConfig.builder().optMaxNewTokens(5).build(), StepListener.NONE);
      assertThat(r.steered()).containsOnly(true).hasSize(5);
      assertThat(r.deviceForwards()).isEqualTo(10);
    }
  }
}
