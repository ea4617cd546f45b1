/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.io.DType;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.train.CausalLmObjective;
import io.persona4j.core.train.Example;
import io.persona4j.serve.PersonaServer;
import io.persona4j.serve.adapter.StoreUserAdapters;
import io.persona4j.serve.store.AdapterKind;
import io.persona4j.serve.store.AdapterSource;
import io.persona4j.serve.store.AdapterStore;
import io.persona4j.serve.store.BaseModel;
import io.persona4j.serve.store.PublishRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code persona4j demo}: the platform in miniature on an embedded default. Creates a tiny random
 * Llama (once), fine-tunes a LoRA adapter for each of three users on their own facts ({@link
 * DemoUsers}), publishes the adapters to the embedded adapter store (SQLite), starts the server on
 * a free port, asks the same questions as each user through the OpenAI-compatible HTTP API (all
 * users at once: one mixed-adapter batch) and prints the three personalized answers next to the
 * base model's; then stops, or keeps serving with {@code --serve}.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "The platform in miniature: personalize three users (a LoRA each on their own facts),"
            + " publish them to the embedded store, serve them, ask the same question as each user"
            + " over the HTTP API and print the answers next to the base model's.")
final class DemoCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(
      names = "--dir",
      defaultValue = "target/demo-model",
      description = "Where the tiny model goes (default ${DEFAULT-VALUE}).")
  Path dir;

  @Option(
      names = "--out",
      defaultValue = "target/demo",
      description =
          "Where the users' adapters, data, loss plots and the store go (default ${DEFAULT-VALUE}).")
  Path out;

  @Option(
      names = "--store",
      paramLabel = "URL",
      description = "Adapter store (default: jdbc:sqlite:OUT/store.db, an embedded SQLite file).")
  String store;

  @Option(
      names = "--steps",
      defaultValue = "60",
      description = "Fine-tuning steps per user (default ${DEFAULT-VALUE}).")
  long steps;

  @Option(
      names = "--questions",
      defaultValue = "2",
      description =
          "How many of the questions to ask each user (default ${DEFAULT-VALUE}; at most 6).")
  int questions;

  @Option(
      names = "--serve",
      description = "Keep serving after the demo (Ctrl-C stops), printing the web page's URL.")
  boolean serve;

  @Option(
      names = "--port",
      defaultValue = "0",
      description = "Port of the server (default: a free one).")
  int port;

  @Override
  public Integer call() throws Exception {
    long start = System.nanoTime();
    if (!Files.exists(dir.resolve("config.json"))) {
      System.err.println("demo: creating a tiny random Llama checkpoint in " + dir);
      ModelInit.write(
          ModelInit.decoderConfig("llama", 4, 256, 8, 4, 2048, 0, 512), 42, 0.05f, DType.F32, dir);
    }
    Files.createDirectories(out);
    String url = store != null ? store : "jdbc:sqlite:" + out.resolve("store.db").toAbsolutePath();

    // 1. Personalize: one LoRA per user, on that user's facts only.
    System.out.printf(
        "=== 1. Personalizing %d users: a LoRA each on their own %d facts ===%n",
        DemoUsers.USERS.size(), DemoUsers.SUBJECTS.size());
    Map<String, Path> adapters = new LinkedHashMap<>();
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel lm = LlamaModel.load(dir, m);
        Tokenizer tok = Tokenizer.fromDirectory(dir)) {
      System.err.printf(
          "demo: %s model, %d layers, hidden %d, %,d parameters, random weights%n",
          lm.config().modelType(),
          lm.config().numHiddenLayers(),
          lm.config().hiddenSize(),
          lm.config().parameterCount());
      TrainOptions o = demoTraining();
      o.validate(lm.config().maxPositionEmbeddings());
      for (DemoUsers.User u : DemoUsers.USERS) {
        Path userDir = out.resolve(u.id());
        Path data = DemoUsers.writeJsonl(u, userDir.resolve("data.jsonl"));
        List<Example> train = TrainCommand.read(data, tok, o);
        try (LoraModel lora = LoraModel.of(lm, m)) {
          LoraFineTune.Summary s =
              LoraFineTune.run(
                  new LoraFineTune.Task(CausalLmObjective.of(lm), o.loraConfig(), Map.of()),
                  lora,
                  o,
                  train,
                  List.of(),
                  userDir);
          System.out.printf(
              "  %-6s %d steps in %4.1f s, loss %.3f -> %.3f  (%s)%n",
              u.id(), s.stepsRun(), s.seconds(), s.firstLoss(), s.finalLoss(), userDir);
        }
        adapters.put(u.id(), userDir);
      }
    }

    // 2. Publish to the embedded store.
    System.out.printf("%n=== 2. Publishing to the adapter store %s ===%n", url);
    BaseModel base = BaseModel.of(dir);
    try (AdapterStore s = AdapterStore.open(url)) {
      for (Map.Entry<String, Path> e : adapters.entrySet()) {
        var r =
            s.publish(
                PublishRequest.builder()
                    .setUserId(e.getKey())
                    .setDirectory(e.getValue())
                    .setBaseModel(base)
                    .optKind(AdapterKind.LORA)
                    .optSource(AdapterSource.training(e.getValue().toString(), "persona4j demo"))
                    .build());
        System.out.printf(
            "  %-6s version %d active (%,d bytes, %s)%n",
            e.getKey(),
            r.entry().version(),
            r.entry().byteSize(),
            r.entry().contentHash().substring(0, 19));
      }
    }

    // 3. Serve, and ask the same questions as each user over the HTTP API.
    try (StoreUserAdapters users =
            new StoreUserAdapters(AdapterStore.open(url), AdapterKind.LORA, true);
        PersonaServer server =
            PersonaServer.builder()
                .setModel(dir)
                .setUserAdapters(users)
                .optPort(port)
                .optModelId("demo")
                .start()) {
      System.out.printf(
          "%n=== 3. Serving at %s: the same question as each user ===%n", server.url());
      int right = 0;
      int asked = 0;
      HttpClient http = HttpClient.newHttpClient();
      int n = Math.max(1, Math.min(questions, DemoUsers.SUBJECTS.size()));
      for (int q = 0; q < n; q++) {
        String question = DemoUsers.question(q);
        List<String> who = new ArrayList<>();
        who.add(null);
        DemoUsers.USERS.forEach(u -> who.add(u.id()));
        // All at once: the server decodes the base row and the three users' rows in one batch.
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (String user : who) {
          answers.add(
              http.sendAsync(
                  request(server.url(), question, user), HttpResponse.BodyHandlers.ofString()));
        }
        System.out.printf("%n  %s%n", question);
        for (int i = 0; i < who.size(); i++) {
          HttpResponse<String> r = answers.get(i).get();
          JsonNode body = JSON.readTree(r.body());
          if (r.statusCode() != 200) {
            throw new IllegalStateException(
                "the server answered " + r.statusCode() + ": " + r.body());
          }
          String text = body.path("choices").get(0).path("text").asText();
          String adapter = r.headers().firstValue("X-Persona4j-Adapter").orElse("?");
          String label = who.get(i) == null ? "base model" : who.get(i);
          String mark = "";
          if (who.get(i) != null) {
            DemoUsers.User u = DemoUsers.USERS.get(i - 1);
            boolean ok = text.startsWith(DemoUsers.completion(u, q));
            right += ok ? 1 : 0;
            asked++;
            mark = ok ? "   (their fact)" : "   (expected" + DemoUsers.completion(u, q) + ")";
          }
          System.out.printf(
              "    %-10s %-10s -> %s%s%n", label, "[" + adapter + "]", quote(text), mark);
        }
      }
      System.out.printf(
          "%n%d of %d answers are the user's own fact; the same prompt, one server, one batch."
              + " Adapters and loss plots in %s%n",
          right, asked, out);
      System.err.printf("demo: done in %.1f s%n", (System.nanoTime() - start) / 1e9);
      if (serve) {
        System.out.println(
            "\nserving on " + server.url() + "  (web page: " + server.url() + "/; Ctrl-C stops)");
        System.out.flush();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
        stop.await();
      }
    }
    return 0;
  }

  private static HttpRequest request(String base, String prompt, String user) throws Exception {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "demo");
    body.put("prompt", prompt);
    body.put("max_tokens", 12);
    body.put("temperature", 0);
    body.put("stop", List.of("\n", "Q:"));
    if (user != null) {
      body.put("user", user);
    }
    return HttpRequest.newBuilder(URI.create(base + "/v1/completions"))
        .timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
        .build();
  }

  private static String quote(String s) {
    return "\"" + s.replace("\n", "\\n") + "\"";
  }

  /** The settings of the demo's short runs: every fact in each step, a high rate, all linears. */
  TrainOptions demoTraining() {
    TrainOptions o = new TrainOptions();
    o.loraR = 16;
    o.loraAlpha = 32;
    o.loraDropout = 0;
    o.targets =
        List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
    o.lr = 3e-3;
    o.maxSteps = steps;
    o.batchSize = DemoUsers.SUBJECTS.size();
    o.warmupSteps = Math.min(5, steps);
    o.maxLen = 64;
    return o;
  }
}
