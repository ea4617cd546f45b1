/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.kernel.WeightPrecision;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.steer.NaiveCoSteer;
import io.persona4j.steer.SteerFixture;
import io.persona4j.steer.SteerModel;
import io.persona4j.steer.SteerParams;
import io.persona4j.steer.SteeringRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code persona4j steer generate} and {@code steer cloud}: the greedy tokens equal a naive
 * recomputation of the three models' full-prefix logits; the network mode (a cloud process) gives
 * the same trace as the in-process mode.
 */
class SteerCliTest {
  @TempDir static Path tmp;
  static Path cloud;
  static Path device;
  static Path context;
  static final ObjectMapper JSON = new ObjectMapper();
  static final String PROMPT = "Which movie should I watch tonight?";

  @BeforeAll
  static void init() throws Exception {
    cloud = SteerFixture.cloud(tmp.resolve("cloud"), 1);
    device = SteerFixture.device(tmp.resolve("device"), cloud, 2);
    context = tmp.resolve("context.txt");
    Files.writeString(context, "I loved Alien (1979) and Heat (1995); I dislike musicals.\n");
  }

  /** The trace: line 0 the prompts, then one object per step. */
  static List<JsonNode> trace(Path file) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      out.add(JSON.readTree(line));
    }
    return out;
  }

  static long[] ids(JsonNode a) {
    long[] out = new long[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asLong();
    }
    return out;
  }

  static long[] tokens(List<JsonNode> trace) {
    long[] t = new long[trace.size() - 1];
    for (int i = 1; i < trace.size(); i++) {
      assertThat(trace.get(i).get("step").asInt()).isEqualTo(i - 1);
      assertThat(trace.get(i).get("steered").asBoolean()).isTrue();
      t[i - 1] = trace.get(i).get("token").asLong();
    }
    return t;
  }

  private static String[] generate(
      String cloudFlag, String cloudValue, Path traceFile, String... extra) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "steer",
                "generate",
                cloudFlag,
                cloudValue,
                "--device-model",
                device.toString(),
                "--context-file",
                context.toString(),
                "--prompt",
                PROMPT,
                "--max-tokens",
                "12",
                "--trace",
                traceFile.toString()));
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  @Test
  void greedyTokensEqualANaiveRecomputationOfTheThreeModels() throws Exception {
    Path t1 = tmp.resolve("iterative.jsonl");
    CliTest.Run r = CliTest.run(generate("--cloud-model", cloud.toString(), t1));
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err())
        .contains("identical: the exact method")
        .contains("per token:")
        .contains("100% steered");
    List<JsonNode> trace = trace(t1);
    JsonNode head = trace.get(0);
    assertThat(head.fieldNames()).toIterable().containsExactly("cloud_ids", "ctx_ids", "noctx_ids");
    long[] got = tokens(trace);
    assertThat(got).hasSize(12);
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel c = LlamaModel.load(cloud, m);
        LlamaModel d = LlamaModel.load(device, m)) {
      long[] naive =
          NaiveCoSteer.greedy(
              c,
              d,
              SteerFixture.VOCAB,
              SteeringRule.iterative(SteerParams.DEFAULTS),
              ids(head.get("cloud_ids")),
              ids(head.get("ctx_ids")),
              ids(head.get("noctx_ids")),
              12,
              Set.of(2L),
              m);
      assertThat(got).containsExactly(naive);
    }
    Path t2 = tmp.resolve("closed.jsonl");
    CliTest.Run closed =
        CliTest.run(generate("--cloud-model", cloud.toString(), t2, "--closed-form"));
    assertThat(closed.code()).as(closed.err()).isZero();
    assertThat(tokens(trace(t2))).containsExactly(got);
    assertThat(closed.out()).isEqualTo(r.out());
  }

  @Test
  void reducedPrecisionWeightsLoadForTheDeviceAndTheInProcessCloud() throws Exception {
    try (NDManager m = TensorRuntime.newManager();
        SteerModel d = SteerModel.load(device, m, WeightPrecision.INT8)) {
      assertThat(d.model().decodePrecision()).isEqualTo(WeightPrecision.INT8);
    }
    for (String w : new String[] {"bf16", "int8"}) {
      Path t = tmp.resolve("weights-" + w + ".jsonl");
      CliTest.Run r = CliTest.run(generate("--cloud-model", cloud.toString(), t, "--weights", w));
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(tokens(trace(t))).hasSize(12);
    }
    CliTest.Run bad =
        CliTest.run(
            generate(
                "--cloud-model", cloud.toString(), tmp.resolve("bad.jsonl"), "--weights", "fp8"));
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("weights 'fp8' is not one of f32, bf16, int8");
  }

  @Test
  void aCloudProcessGivesTheSameTraceAsTheInProcessMode() throws Exception {
    Path tokensFile = tmp.resolve("tokens.json");
    Files.writeString(tokensFile, "{\"phone-1\": \"phone-1-secret\"}");
    Path tokenFile = tmp.resolve("phone-1.token");
    Files.writeString(tokenFile, "phone-1-secret\n");
    Path portFile = tmp.resolve("port");
    try (CliProcess server =
        CliProcess.start(
            "steer cloud",
            tmp,
            "steer",
            "cloud",
            "--model",
            cloud.toString(),
            "--port",
            "0",
            "--port-file",
            portFile.toString(),
            "--tokens",
            tokensFile.toString())) {
      server.awaitOutput("steer cloud:", Duration.ofSeconds(60));
      for (int i = 0; i < 600 && !Files.exists(portFile); i++) {
        Thread.sleep(50);
      }
      String address = "localhost:" + Files.readString(portFile).strip();
      for (String wire : List.of("f32", "topk:64")) {
        Path net = tmp.resolve("net-" + wire.replace(':', '-') + ".jsonl");
        Path local = tmp.resolve("local-" + wire.replace(':', '-') + ".jsonl");
        CliTest.Run a =
            CliTest.run(
                generate(
                    "--cloud",
                    address,
                    net,
                    "--wire",
                    wire,
                    "--client-id",
                    "phone-1",
                    "--token-file",
                    tokenFile.toString()));
        assertThat(a.code()).as(a.err()).isZero();
        CliTest.Run b =
            CliTest.run(generate("--cloud-model", cloud.toString(), local, "--wire", wire));
        assertThat(b.code()).as(b.err()).isZero();
        assertThat(Files.readAllLines(net)).isEqualTo(Files.readAllLines(local));
        assertThat(a.out()).isEqualTo(b.out());
      }
      CliTest.Run refused =
          CliTest.run(
              generate(
                  "--cloud",
                  address,
                  tmp.resolve("x.jsonl"),
                  "--client-id",
                  "phone-1",
                  "--token",
                  "wrong-token"));
      assertThat(refused.code()).isEqualTo(1);
      assertThat(refused.err()).contains("UNAUTHENTICATED").contains("bad_token");
    }
  }

  @Test
  void badInputIsNamed() throws Exception {
    CliTest.Run noFile =
        CliTest.run(
            "steer",
            "generate",
            "--cloud-model",
            cloud.toString(),
            "--device-model",
            device.toString(),
            "--context-file",
            tmp.resolve("missing.txt").toString(),
            "--prompt",
            "x");
    assertThat(noFile.code()).isEqualTo(1);
    assertThat(noFile.err()).contains("--context-file: no such file");
    CliTest.Run wire =
        CliTest.run(
            generate("--cloud-model", cloud.toString(), tmp.resolve("w.jsonl"), "--wire", "f8"));
    assertThat(wire.err()).contains("wire format 'f8' is not one of f32, f16, bf16, topk:K");
    CliTest.Run both =
        CliTest.run(
            "steer",
            "generate",
            "--cloud",
            "h:1",
            "--cloud-model",
            cloud.toString(),
            "--device-model",
            device.toString(),
            "--context-file",
            context.toString(),
            "--prompt",
            "x");
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.err()).contains("mutually exclusive");
    CliTest.Run t0 =
        CliTest.run(
            generate("--cloud-model", cloud.toString(), tmp.resolve("t.jsonl"), "--T", "0"));
    assertThat(t0.err()).contains("T (iterations) must be in [1, 10000], got 0");
    CliTest.Run noAuth = CliTest.run("steer", "cloud", "--model", cloud.toString());
    assertThat(noAuth.err()).contains("give --tokens FILE");
    CliTest.Run preset = CliTest.run("steer", "experiment", "--preset", "huge");
    assertThat(preset.err()).contains("unknown preset 'huge' (known: smoke, standard)");
    CliTest.Run data =
        CliTest.run("steer", "experiment", "--movielens", tmp.resolve("nope").toString());
    assertThat(data.err()).contains("--movielens").contains("nope");
    CliTest.Run jobs = CliTest.run("steer", "experiment", "--jobs", "0");
    assertThat(jobs.err()).contains("--jobs must be >= 1 (seeds run at once), got 0");
    CliTest.Run exposed =
        CliTest.run(
            "steer", "cloud", "--model", cloud.toString(), "--no-auth", "--bind", "0.0.0.0");
    assertThat(exposed.err()).contains("--no-auth is only allowed on a loopback --bind");
  }
}
