/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.fellrec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Writes a {@link FellRecSweep.Result} as {@code sweep.md} and {@code sweep.json}. */
public final class FellRecSweepReport {
  private FellRecSweepReport() {}

  /** Writes both files into {@code dir}; returns the markdown file. */
  public static Path write(FellRecSweep.Result r, String command, Path dir) throws IOException {
    Path md = dir.resolve("sweep.md");
    AtomicFiles.writeString(md, markdown(r, command));
    AtomicFiles.write(dir.resolve("sweep.json"), json(r, command));
    return md;
  }

  /** The tables of the sweep. */
  public static String markdown(FellRecSweep.Result r, String command) {
    StringBuilder b = new StringBuilder();
    b.append("### FELLRec `")
        .append(r.preset().name())
        .append("`: learning rate, local steps and heating temperature chosen on validation\n\n")
        .append("```\n")
        .append(command)
        .append("\n```\n\n")
        .append(
            String.format(
                Locale.ROOT,
                "Seed %d, %d rounds, validation users per client: %s, test samples not read;"
                    + " %.1f min. Base model (no adapter): validation HR@1 %.4f, mean validation"
                    + " loss %.4f.%n%n",
                r.seed(),
                r.preset().rounds(),
                r.preset().evalUsersPerClient() == 0
                    ? "all"
                    : String.valueOf(r.preset().evalUsersPerClient()),
                r.seconds() / 60,
                r.baseValidHr1(),
                r.baseValidLoss()));
    b.append(
        "| method | lr | local steps | mean validation loss per round | best round | best loss |"
            + " validation HR@1 | top-1 changed vs base | s |\n"
            + "|---|---|---|---|---|---|---|---|---|\n");
    for (FellRecSweep.Point p : r.grid()) {
      row(b, p);
    }
    b.append(
        String.format(
            Locale.ROOT,
            "%nChosen (lowest best validation loss, averaged over the methods): lr %s, %d local"
                + " steps per round.%n%n",
            r.chosenLr(),
            r.chosenSteps()));
    if (!r.temperatures().isEmpty()) {
      b.append(
          "FELLRec's heating temperature at that lr and step count (w: heating weight per client"
              + " in the first and the last round; saturated: no client is below "
              + FellRecSweep.HEATED_BELOW
              + " in round 1 and heats up by "
              + FellRecSweep.MIN_RISE
              + " or more):\n\n"
              + "| temperature | best loss | best round | validation HR@1 | top-1 changed |"
              + " w, first round | w, last round | saturated | similarity range, last round |\n"
              + "|---|---|---|---|---|---|---|---|---|\n");
      for (FellRecSweep.Point p : r.temperatures()) {
        b.append(
            String.format(
                Locale.ROOT,
                "| %s | %.4f | %d | %.4f | %.3f | %s | %s | %s | %s |%n",
                p.temperature(),
                p.bestLoss(),
                p.bestRound(),
                p.validHr1(),
                p.changedTop1(),
                weights(p.heating().length == 0 ? new double[0] : p.heating()[0]),
                weights(
                    p.heating().length == 0 ? new double[0] : p.heating()[p.heating().length - 1]),
                p.saturated() ? "yes" : "no",
                p.similarityRange().length == 0
                    ? ""
                    : weights(p.similarityRange()[p.similarityRange().length - 1])));
      }
      b.append(
          Double.isNaN(r.chosenTemperature())
              ? "\nEvery temperature saturates: none is chosen.\n"
              : "\nChosen temperature (lowest validation loss among the non-saturating ones): "
                  + r.chosenTemperature()
                  + "\n");
    }
    b.append("\nClients: ").append(String.join(", ", r.clientIds())).append('\n');
    return b.toString();
  }

  private static void row(StringBuilder b, FellRecSweep.Point p) {
    StringBuilder curve = new StringBuilder();
    for (int i = 0; i < p.validLoss().length; i++) {
      curve.append(i > 0 ? ", " : "").append(String.format(Locale.ROOT, "%.3f", p.validLoss()[i]));
    }
    b.append(
        String.format(
            Locale.ROOT,
            "| %s | %s | %d | %s | %d | %.4f | %.4f | %.3f | %.0f |%n",
            p.method().label(),
            p.lr(),
            p.steps(),
            curve,
            p.bestRound(),
            p.bestLoss(),
            p.validHr1(),
            p.changedTop1(),
            p.seconds()));
  }

  private static String weights(double[] w) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < w.length; i++) {
      s.append(i > 0 ? ", " : "").append(String.format(Locale.ROOT, "%.3f", w[i]));
    }
    return s.toString();
  }

  private static byte[] json(FellRecSweep.Result r, String command) throws IOException {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = json.createObjectNode();
    root.put("experiment", "fellrec-sweep");
    root.put("preset", r.preset().name());
    root.put("command", command);
    root.put("seed", r.seed());
    root.put("rounds", r.preset().rounds());
    root.put("seconds", r.seconds());
    root.put("baseValidHr1", r.baseValidHr1());
    root.put("baseValidLoss", r.baseValidLoss());
    root.set("clientIds", json.valueToTree(r.clientIds()));
    root.put("chosenLr", r.chosenLr());
    root.put("chosenSteps", r.chosenSteps());
    root.put("chosenTemperature", r.chosenTemperature());
    points(json, root.putArray("grid"), r.grid());
    points(json, root.putArray("temperatures"), r.temperatures());
    return json.writeValueAsBytes(root);
  }

  private static void points(ObjectMapper json, ArrayNode out, List<FellRecSweep.Point> ps) {
    for (FellRecSweep.Point p : ps) {
      ObjectNode o = out.addObject();
      o.put("method", p.method().name());
      o.put("lr", p.lr());
      o.put("steps", p.steps());
      o.put("temperature", p.temperature());
      o.set("validLoss", json.valueToTree(p.validLoss()));
      o.put("bestRound", p.bestRound());
      o.put("validHr1", p.validHr1());
      o.put("changedTop1", p.changedTop1());
      o.set("heating", json.valueToTree(p.heating()));
      o.put("saturated", p.saturated());
      o.set("similarityRange", json.valueToTree(p.similarityRange()));
      o.put("seconds", p.seconds());
    }
  }
}
