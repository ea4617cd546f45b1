/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.adapters.lora.LoraTrainingObjective;
import io.persona4j.adapters.plora.FewShotEnrolment;
import io.persona4j.adapters.plora.PLoraConfig;
import io.persona4j.adapters.plora.PLoraFiles;
import io.persona4j.adapters.plora.PLoraLinear;
import io.persona4j.adapters.plora.PLoraModel;
import io.persona4j.adapters.plora.UserVectorFile;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.ModelFingerprint;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.train.AdamW;
import io.persona4j.core.train.ClassificationHead;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.LearningRateSchedule;
import io.persona4j.core.train.Pooling;
import io.persona4j.core.train.SequenceClassificationObjective;
import io.persona4j.core.train.TrainableParameters;
import io.persona4j.core.train.Trainer;
import io.persona4j.experiments.plora.RatingData;
import io.persona4j.serve.PersonaServer;
import io.persona4j.serve.adapter.PLoraUser;
import io.persona4j.serve.adapter.StoreUserAdapters;
import io.persona4j.serve.classify.PLoraClassifierService;
import io.persona4j.serve.store.AdapterKind;
import io.persona4j.serve.store.AdapterStore;
import io.persona4j.serve.store.BaseModel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * PLoRA's costs on all-MiniLM-L6-v2 with MovieLens texts: bytes per user (a user vector entry vs a
 * per-user LoRA adapter of the same rank, both written to disk), few-shot enrolment time per user
 * at K examples (vs fitting a per-user LoRA on the same examples for the same steps), and
 * classification throughput of the served, merged adapter with every row of a batch a different
 * user vs one user (vs zero-shot, and vs the unmerged adapter conditioned on vectors).
 */
@Command(
    name = "plora",
    mixinStandardHelpOptions = true,
    description =
        "PLoRA: bytes per user (vector vs LoRA of the same rank), few-shot enrolment seconds per"
            + " user (K examples; in process and over HTTP), classification throughput with mixed"
            + " users in one batch vs one user.")
final class PLoraBenchCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--model", description = "BERT encoder (default target/minilm).")
  Path model = Path.of("target", "minilm");

  @Option(
      names = "--data",
      description = "MovieLens directory for real texts (default ../shared/data/movielens-small).")
  Path data = Path.of("..", "shared", "data", "movielens-small");

  @Option(names = "--rank", description = "LoRA rank (default 64, PLoRA's).")
  int rank = 64;

  @Option(names = "--user-dim", description = "d_u (default 512).")
  int userDim = 512;

  @Option(names = "--shots", description = "K examples per enrolled user (default 10).")
  int shots = 10;

  @Option(names = "--users", description = "users enrolled (default 10).")
  int users = 10;

  @Option(
      names = "--http-users",
      description = "users enrolled online through the server's HTTP API (default 5).")
  int httpUsers = 5;

  @Option(names = "--steps", description = "enrolment steps (default 30, the server's).")
  int steps = 30;

  @Option(names = "--batch", description = "rows per classification batch (default 32).")
  int batch = 32;

  @Option(names = "--repeats", description = "batches timed per configuration (default 20).")
  int repeats = 20;

  @Option(names = "--json", description = "also write the results to this JSON file")
  Path json;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(model.resolve("config.json"))) {
      throw new IllegalArgumentException(
          model
              + ": no encoder (convert all-MiniLM-L6-v2 first: bin/persona4j model minilm --out"
              + " target/minilm, or pass --model DIR)");
    }
    Map<String, Object> results = new LinkedHashMap<>();
    results.put("machine", Machine.describe());
    results.put(
        "settings",
        Map.of(
            "rank",
            rank,
            "user_dim",
            userDim,
            "shots",
            shots,
            "users",
            users,
            "steps",
            steps,
            "batch",
            batch,
            "repeats",
            repeats));
    RatingData ratings = RatingData.load(data, 0, 0.2, 7);
    List<RatingData.UserRows> newUsers =
        ratings.groupB().subList(0, Math.min(users, ratings.groupB().size()));
    Path work = Files.createTempDirectory("persona4j-bench-plora");
    try (NDManager m = TensorRuntime.newManager();
        Tokenizer tok = Tokenizer.fromDirectory(model)) {
      String fp = ModelFingerprint.of(model);
      Path adapter = work.resolve("plora");
      Path lora = work.resolve("lora");
      List<String> tableUsers = new ArrayList<>();
      for (int u = 0; u < batch; u++) {
        tableUsers.add(ratings.groupA().get(u).user());
      }
      // a PLoRA adapter with non-zero B and user vectors, and a plain LoRA of the same rank
      try (BertModel bert = BertModel.load(model, m);
          PLoraModel plora = PLoraModel.create(bert, config(), 1, m);
          ClassificationHead head =
              ClassificationHead.create(bert.config().hiddenSize(), 10, 0.02f, 1, m)) {
        SplittableRandom r = new SplittableRandom(3);
        for (PLoraLinear l : plora.layers().values()) {
          try (NDManager tmp = m.newSubManager()) {
            l.b()
                .set(
                    new NDIndex("..."),
                    tmp.create(uniform(r, (int) l.b().size(), 0.02), l.b().getShape()));
          }
        }
        for (String u : tableUsers) {
          plora.users().put(u, uniform(r, userDim, 0.5));
        }
        plora.setBaseModelFingerprint(fp);
        plora.save(adapter, head.parameters());
        Files.writeString(
            adapter.resolve("classifier.json"),
            "{\"format_version\": 1, \"pooling\": \"mean\", \"labels\": "
                + "[\"0\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]}");
        new UserVectorFile(
                "user-0000001",
                plora.users().vector(0),
                fp,
                PLoraFiles.adapterFingerprint(plora, head.parameters()))
            .write(work.resolve("vector"));
      }
      try (BertModel bert = BertModel.load(model, m);
          LoraModel lm = LoraModel.of(bert, m);
          ClassificationHead head =
              ClassificationHead.create(bert.config().hiddenSize(), 10, 0.02f, 1, m)) {
        lm.add("u", loraConfig(), 1);
        lm.save("u", lora, head.parameters());
      }
      long vectorBytes = Files.size(work.resolve("vector").resolve(UserVectorFile.FILE_NAME));
      long loraBytes = dirBytes(lora);
      long sharedBytes =
          dirBytes(adapter)
              - Files.size(adapter.resolve(PLoraFiles.USERS_WEIGHTS_FILE))
              - Files.size(adapter.resolve(PLoraFiles.USERS_FILE));
      results.put(
          "bytes",
          Map.of(
              "user_vector_entry",
              vectorBytes,
              "user_vector_values",
              4L * userDim,
              "per_user_lora_adapter_r" + rank,
              loraBytes,
              "ratio",
              (double) loraBytes / vectorBytes,
              "shared_plora_adapter_once",
              sharedBytes));
      System.out.printf(
          Locale.ROOT,
          "bytes per user: PLoRA vector entry %,d B (%,d B of values) vs per-user LoRA r=%d %,d B:"
              + " %.0fx; the shared PLoRA adapter, once: %,d B%n",
          vectorBytes,
          4L * userDim,
          rank,
          loraBytes,
          (double) loraBytes / vectorBytes,
          sharedBytes);

      results.put("enrolment", enrolment(adapter, newUsers, tok, m));
      results.put("throughput", throughput(adapter, fp, tableUsers, ratings, m));
      results.put("http_enrolment", httpEnrolment(adapter, newUsers, work.resolve("store.db")));
    } finally {
      try (Stream<Path> s = Files.walk(work)) {
        for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
    if (json != null) {
      Json.write(json, results);
    }
    return 0;
  }

  private PLoraConfig config() {
    return PLoraConfig.builder().optR(rank).optAlpha(2.0 * rank).optUserDim(userDim).build();
  }

  private LoraConfig loraConfig() {
    return LoraConfig.builder()
        .optR(rank)
        .optAlpha(2.0 * rank)
        .optDropout(0.1)
        .optTargets("query", "value")
        .optTaskType("SEQ_CLS")
        .optModulesToSave("classifier")
        .build();
  }

  /** Seconds per user of a few-shot PLoRA fit vs a per-user LoRA fit on the same examples. */
  private Map<String, Object> enrolment(
      Path adapter, List<RatingData.UserRows> newUsers, Tokenizer tok, NDManager m)
      throws Exception {
    List<List<Example>> perUser = new ArrayList<>();
    for (RatingData.UserRows u : newUsers) {
      List<Example> ex = new ArrayList<>();
      for (RatingData.Row r : u.train().subList(0, Math.min(shots, u.train().size()))) {
        ex.add(Example.classification(ids(tok, r.text()), RatingData.label(r.rating(), 10)));
      }
      perUser.add(ex);
    }
    double[] plora = new double[perUser.size()];
    double[] lora = new double[perUser.size()];
    try (BertModel bert = BertModel.load(model, m);
        PLoraModel p = PLoraModel.load(bert, adapter, 1, m);
        ClassificationHead head = ClassificationHead.of(p.modulesToSave(), m)) {
      FewShotEnrolment.Config cfg =
          FewShotEnrolment.Config.builder().optSteps(steps).optLearningRate(1e-2).build();
      FewShotEnrolment.fit(
          p,
          (i, k) -> bert.forward(i, k, null),
          Pooling.MEAN,
          head,
          perUser.get(0),
          cfg); // warm-up
      for (int u = 0; u < perUser.size(); u++) {
        plora[u] =
            FewShotEnrolment.fit(
                    p, (i, k) -> bert.forward(i, k, null), Pooling.MEAN, head, perUser.get(u), cfg)
                .seconds();
      }
    }
    try (BertModel bert = BertModel.load(model, m)) {
      for (int u = 0; u < perUser.size(); u++) {
        long t = System.nanoTime();
        try (LoraModel lm = LoraModel.of(bert, m);
            ClassificationHead head =
                ClassificationHead.create(bert.config().hiddenSize(), 10, 0.02f, 1, m)) {
          lm.add("u", loraConfig(), u);
          lm.train(true);
          SequenceClassificationObjective sc =
              new SequenceClassificationObjective(
                  (i, k) -> bert.forward(i, k, null), Pooling.MEAN, head);
          try (Trainer tr =
              Trainer.builder()
                  .setParameters(TrainableParameters.of(lm.trainableParameters()))
                  .setObjective(new LoraTrainingObjective(sc, lm))
                  .setOptimizer(AdamW.builder().build())
                  .setSchedule(LearningRateSchedule.constant(1e-3))
                  .setTrainData(perUser.get(u))
                  .setMaxSteps(steps)
                  .optMicroBatchSize(perUser.get(u).size())
                  .build()) {
            tr.train();
          }
        }
        lora[u] = (System.nanoTime() - t) / 1e9;
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("plora_seconds_per_user_mean", mean(plora));
    out.put("plora_seconds_per_user_max", Arrays.stream(plora).max().orElse(0));
    out.put("lora_seconds_per_user_mean", mean(lora));
    out.put("ratio_lora_over_plora", mean(lora) / mean(plora));
    System.out.printf(
        Locale.ROOT,
        "few-shot enrolment, K=%d, %d steps: PLoRA vector %.2f s/user (max %.2f) vs per-user LoRA"
            + " r=%d %.2f s/user: %.1fx (%d users)%n",
        shots,
        steps,
        mean(plora),
        Arrays.stream(plora).max().orElse(0),
        rank,
        mean(lora),
        mean(lora) / mean(plora),
        perUser.size());
    return out;
  }

  /** Texts per second of the served (merged) adapter: mixed users vs one user vs zero-shot. */
  private Map<String, Object> throughput(
      Path adapter, String fp, List<String> tableUsers, RatingData ratings, NDManager m)
      throws Exception {
    List<String> texts = new ArrayList<>();
    for (RatingData.UserRows u : ratings.groupA()) {
      for (RatingData.Row r : u.test()) {
        if (texts.size() < batch) {
          texts.add(r.text());
        }
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    try (BertModel bert = BertModel.load(model, m);
        PLoraClassifierService svc =
            PLoraClassifierService.open(model, bert, adapter, fp, batch, m)) {
      List<PLoraUser> usersList = new ArrayList<>();
      for (String u : tableUsers) {
        usersList.add(svc.tableUser(u));
      }
      List<PLoraClassifierService.Row> zero = new ArrayList<>();
      List<PLoraClassifierService.Row> one = new ArrayList<>();
      List<PLoraClassifierService.Row> mixed = new ArrayList<>();
      for (int i = 0; i < texts.size(); i++) {
        zero.add(new PLoraClassifierService.Row(texts.get(i), null));
        one.add(new PLoraClassifierService.Row(texts.get(i), usersList.get(0)));
        mixed.add(
            new PLoraClassifierService.Row(texts.get(i), usersList.get(i % usersList.size())));
      }
      for (int w = 0; w < 3; w++) {
        svc.classify(mixed);
      }
      // interleaved rounds so that load on a shared machine hits every configuration alike
      double[][] secs = new double[3][repeats];
      for (int r = 0; r < repeats; r++) {
        int k = 0;
        for (List<PLoraClassifierService.Row> rows : List.of(zero, one, mixed)) {
          long t = System.nanoTime();
          svc.classify(rows);
          secs[k++][r] = (System.nanoTime() - t) / 1e9;
        }
      }
      String[] names = {"zero_shot", "one_user", "mixed_users"};
      for (int k = 0; k < 3; k++) {
        out.put(names[k] + "_texts_per_s", texts.size() / median(secs[k]));
      }
      out.put("mixed_over_one", median(secs[1]) / median(secs[2]));
      System.out.printf(
          Locale.ROOT,
          "classification, %d texts per batch (merged B A + per-row user bias), median of %d:"
              + " zero-shot %.1f texts/s, one user %.1f, %d distinct users %.1f: mixed/one %.3f%n",
          texts.size(),
          repeats,
          texts.size() / median(secs[0]),
          texts.size() / median(secs[1]),
          usersList.size(),
          texts.size() / median(secs[2]),
          median(secs[1]) / median(secs[2]));
    }
    return out;
  }

  /**
   * Online enrolment through the server: {@code POST /v1/users/{id}/examples} with K examples per
   * new user (the server fits the vector, publishes it to a SQLite store and answers when it is
   * live), timed from the client, with the server's own fit and total seconds.
   */
  private Map<String, Object> httpEnrolment(
      Path adapter, List<RatingData.UserRows> newUsers, Path storeFile) throws Exception {
    int n = Math.min(httpUsers, newUsers.size());
    double[] client = new double[n];
    double[] server = new double[n];
    double[] fit = new double[n];
    String url = "jdbc:sqlite:" + storeFile;
    try (StoreUserAdapters store =
            new StoreUserAdapters(AdapterStore.open(url), AdapterKind.USER_VECTOR, true);
        PersonaServer srv =
            PersonaServer.builder()
                .setModel(model)
                .setUserAdapters(store.withBaseModel(BaseModel.of(model)))
                .optPLora(adapter)
                .optEnrolment(
                    FewShotEnrolment.Config.builder().optSteps(steps).optLearningRate(1e-2).build())
                .optPort(0)
                .start()) {
      HttpClient http = HttpClient.newHttpClient();
      for (int u = -1; u < n; u++) { // u = -1: warm-up, not counted
        RatingData.UserRows user = newUsers.get(Math.max(u, 0));
        List<Map<String, Object>> examples = new ArrayList<>();
        for (RatingData.Row r : user.train().subList(0, Math.min(shots, user.train().size()))) {
          examples.add(Map.of("text", r.text(), "label", RatingData.label(r.rating(), 10)));
        }
        String id = u < 0 ? "warm-up" : "new-" + user.user();
        long t = System.nanoTime();
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(srv.url() + "/v1/users/" + id + "/examples"))
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            JSON.writeValueAsString(Map.of("examples", examples))))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        double wall = (System.nanoTime() - t) / 1e9;
        JsonNode body = JSON.readTree(r.body());
        if (r.statusCode() != 201 || !"live".equals(body.path("status").asText())) {
          throw new IllegalStateException("enrolment of " + id + " failed: " + r.body());
        }
        if (u >= 0) {
          client[u] = wall;
          server[u] = body.path("seconds").asDouble();
          fit[u] = body.path("fit_seconds").asDouble();
        }
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("users", n);
    out.put("client_seconds_per_user_mean", mean(client));
    out.put("client_seconds_per_user_max", Arrays.stream(client).max().orElse(0));
    out.put("server_seconds_per_user_mean", mean(server));
    out.put("fit_seconds_per_user_mean", mean(fit));
    System.out.printf(
        Locale.ROOT,
        "online enrolment over HTTP (POST /v1/users/{id}/examples, K=%d, %d steps, SQLite store):"
            + " %.2f s/user until live (max %.2f; server: fit %.2f s, fit + publish + live %.2f s;"
            + " %d users)%n",
        shots,
        steps,
        mean(client),
        Arrays.stream(client).max().orElse(0),
        mean(fit),
        mean(server),
        n);
    return out;
  }

  private static long[] ids(Tokenizer tok, String text) {
    long[] x = tok.encode(text, true);
    return x.length > 32 ? Arrays.copyOf(x, 32) : x;
  }

  private static float[] uniform(SplittableRandom r, int n, double scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) ((2 * r.nextDouble() - 1) * scale);
    }
    return v;
  }

  private static long dirBytes(Path dir) throws Exception {
    long n = 0;
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        n += Files.size(p);
      }
    }
    return n;
  }

  private static double mean(double[] v) {
    return Arrays.stream(v).average().orElse(Double.NaN);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
