/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.secfpp;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.persona4j.core.io.AtomicFiles;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.train.Example;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.ParameterSet;
import io.persona4j.federated.Reply;
import io.persona4j.federated.ServerState;
import io.persona4j.federated.secfpp.SecFppClientApp;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Chooses the prompt methods' training on validation data: for each learning rate, local-only
 * training and FedAvg on full prompts (at each number of local steps per round) run on the
 * two-domain federation of the preset's first seed, and every client is evaluated on its own
 * validation split (never its test split) after every round. The chosen (learning rate, local
 * steps, rounds) maximizes the mean of local-only's and FedAvg's pooled validation accuracy at the
 * same number of local steps per client, within a budget of total local steps; ties go to fewer
 * steps, then the smaller learning rate. Writes {@code sweep.json} and {@code sweep.md}.
 */
public final class SecFppSweep {
  /**
   * One evaluation point of the sweep.
   *
   * @param method {@code LOCAL} or {@code FEDAVG}
   * @param learningRate AdamW learning rate
   * @param localSteps local steps per round
   * @param round rounds done
   * @param totalSteps local steps per client so far ({@code localSteps * round})
   * @param validAccuracy pooled validation accuracy over all clients
   * @param validExamples validation examples evaluated (all clients together)
   * @param drift mean over clients of {@code ||P - P_0|| / ||P_0||}
   */
  public record Point(
      String method,
      double learningRate,
      int localSteps,
      int round,
      int totalSteps,
      double validAccuracy,
      long validExamples,
      double drift) {}

  /**
   * The chosen training.
   *
   * @param learningRate learning rate
   * @param localSteps local steps per round
   * @param rounds rounds
   * @param score mean of local-only's and FedAvg's validation accuracy there
   */
  public record Choice(double learningRate, int localSteps, int rounds, double score) {}

  private final SecFppPreset preset;
  private final BertModel encoder;
  private final TextEncoder textEncoder;
  private final NDManager manager;
  private final PrintStream log;

  public SecFppSweep(
      SecFppPreset preset,
      BertModel encoder,
      TextEncoder textEncoder,
      NDManager manager,
      PrintStream log) {
    if (preset.validPerClient() < 1) {
      throw new IllegalArgumentException(
          "the sweep needs a validation split: preset " + preset.name() + " has validPerClient 0");
    }
    this.preset = Objects.requireNonNull(preset, "preset");
    this.encoder = Objects.requireNonNull(encoder, "encoder");
    this.textEncoder = Objects.requireNonNull(textEncoder, "textEncoder");
    this.manager = Objects.requireNonNull(manager, "manager");
    this.log = Objects.requireNonNull(log, "log");
  }

  /**
   * Runs the sweep on the two-domain clients of the preset's first seed.
   *
   * @param learningRates learning rates to try
   * @param localStepsGrid local steps per round to try (FedAvg; local-only trains in rounds of the
   *     smallest)
   * @param maxTotalSteps budget of local steps per client; each run goes up to it
   */
  public List<Point> run(
      Path reviews,
      Path movielens,
      List<Double> learningRates,
      List<Integer> localStepsGrid,
      int maxTotalSteps,
      Path out)
      throws Exception {
    int unit = localStepsGrid.stream().min(Integer::compare).orElseThrow();
    if (maxTotalSteps < unit) {
      throw new IllegalArgumentException(
          "maxTotalSteps " + maxTotalSteps + " is below the smallest local steps " + unit);
    }
    long seed = preset.seeds().get(0);
    List<ClientData> clients = SecFppDatasets.domains(reviews, movielens, preset, seed);
    List<Integer> domains = new ArrayList<>();
    List<List<Example>> train = new ArrayList<>();
    List<List<Example>> valid = new ArrayList<>();
    for (int i = 0; i < clients.size(); i++) {
      ClientData c = clients.get(i);
      domains.add(SecFppDatasets.domainOf(i, preset));
      train.add(SecFppRunner.examples(c.trainTexts(), c.trainLabels(), textEncoder));
      valid.add(SecFppRunner.examples(c.validTexts(), c.validLabels(), textEncoder));
    }
    Files.createDirectories(out);
    List<Point> points = new ArrayList<>();
    for (double lr : learningRates) {
      List<Object[]> runs = new ArrayList<>();
      runs.add(new Object[] {SecFppMethod.LOCAL, unit});
      for (int s : localStepsGrid) {
        runs.add(new Object[] {SecFppMethod.FEDAVG, s});
      }
      for (Object[] r : runs) {
        SecFppMethod method = (SecFppMethod) r[0];
        int steps = (int) r[1];
        SecFppPreset p =
            preset.toBuilder()
                .optLearningRate(lr)
                .optLocalSteps(steps)
                .optRounds(maxTotalSteps / steps)
                .build();
        long start = System.nanoTime();
        new SecFppRunner(encoder, p, manager)
            .run(
                SecFppExperiment.DOMAINS,
                method,
                0,
                seed,
                2,
                train,
                valid, // the clients evaluate on validation data only
                domains,
                (round, apps, state) -> {
                  Point pt = evaluate(method.name(), lr, steps, round, apps, state);
                  points.add(pt);
                  log.printf(
                      Locale.ROOT,
                      "sweep %-6s lr %-7s steps %d round %d: valid acc %.4f drift %.3f%n",
                      pt.method(),
                      SecFppRunner.fmt(lr),
                      steps,
                      round,
                      pt.validAccuracy(),
                      pt.drift());
                });
        log.printf(
            Locale.ROOT,
            "sweep %s lr %s steps %d: %.1fs%n",
            method,
            SecFppRunner.fmt(lr),
            steps,
            (System.nanoTime() - start) / 1e9);
        write(points, out);
      }
    }
    return points;
  }

  private Point evaluate(
      String method,
      double lr,
      int steps,
      int round,
      Map<String, SecFppClientApp> apps,
      ServerState state)
      throws Exception {
    long correct = 0;
    long total = 0;
    double drift = 0;
    float[] p0 = null;
    for (Map.Entry<String, SecFppClientApp> e : apps.entrySet()) {
      ParameterSet p = state == null ? ParameterSet.empty() : state.parametersFor(e.getKey());
      Reply r =
          e.getValue()
              .evaluate(new Instruction(Instruction.Task.EVALUATE, round, e.getKey(), p, Map.of()));
      correct += Math.round(r.metrics().get("accuracy") * r.numExamples());
      total += r.numExamples();
      if (p0 == null) {
        p0 = e.getValue().initialPromptValues();
      }
      drift += SecFppRunner.relativeDrift(e.getValue().prompt().combinedValues(), p0);
    }
    return new Point(
        method,
        lr,
        steps,
        round,
        steps * round,
        (double) correct / total,
        total,
        drift / apps.size());
  }

  /** The best (lr, local steps, rounds) by the rule in the class comment, if any point pairs up. */
  public static Optional<Choice> choose(List<Point> points) {
    Map<String, Point> local = new LinkedHashMap<>();
    for (Point p : points) {
      if (p.method().equals(SecFppMethod.LOCAL.name())) {
        local.put(p.learningRate() + "/" + p.totalSteps(), p);
      }
    }
    List<Choice> choices = new ArrayList<>();
    for (Point p : points) {
      if (!p.method().equals(SecFppMethod.FEDAVG.name())) {
        continue;
      }
      Point l = local.get(p.learningRate() + "/" + p.totalSteps());
      if (l != null) {
        choices.add(
            new Choice(
                p.learningRate(),
                p.localSteps(),
                p.round(),
                (p.validAccuracy() + l.validAccuracy()) / 2));
      }
    }
    return choices.stream()
        .min(
            Comparator.comparingDouble((Choice c) -> -c.score())
                .thenComparingInt(c -> c.localSteps() * c.rounds())
                .thenComparingDouble(Choice::learningRate));
  }

  private void write(List<Point> points, Path out) throws Exception {
    JsonMapper json = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("preset", preset);
    doc.put("points", points);
    choose(points).ifPresent(c -> doc.put("choice", c));
    AtomicFiles.writeString(out.resolve("sweep.json"), json.writeValueAsString(doc));
    AtomicFiles.writeString(out.resolve("sweep.md"), markdown(points));
  }

  /** The sweep's table (one row per point) and the choice. */
  public static String markdown(List<Point> points) {
    StringBuilder sb =
        new StringBuilder(
            "| method | lr | local steps | round | steps per client | valid acc. | drift |\n"
                + "|---|---|---|---|---|---|---|\n");
    for (Point p : points) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %d | %d | %d | %.4f | %.3f |%n",
              p.method(),
              SecFppRunner.fmt(p.learningRate()),
              p.localSteps(),
              p.round(),
              p.totalSteps(),
              p.validAccuracy(),
              p.drift()));
    }
    choose(points)
        .ifPresent(
            c ->
                sb.append(
                    String.format(
                        Locale.ROOT,
                        "%nChosen on validation: lr %s, %d local steps x %d rounds (mean of"
                            + " LOCAL and FEDAVG valid acc. %.4f)%n",
                        SecFppRunner.fmt(c.learningRate()),
                        c.localSteps(),
                        c.rounds(),
                        c.score())));
    return sb.toString();
  }
}
