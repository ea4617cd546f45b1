/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.adapters.plora.FewShotEnrolment;
import io.persona4j.adapters.plora.PLoraFiles;
import io.persona4j.core.train.DatasetException;
import io.persona4j.core.train.Example;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code persona4j plora}: PLoRA's few-shot enrolment and its experiment. */
@Command(
    name = "plora",
    mixinStandardHelpOptions = true,
    description =
        "PLoRA (one shared LoRA conditioned on a small learned vector per user): enrol a new user"
            + " from a few examples; run the MovieLens experiment.",
    subcommands = {PLoraCommand.Enrol.class, PLoraExperimentCommand.class})
final class PLoraCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** {@code persona4j plora enrol}. */
  @Command(
      name = "enrol",
      mixinStandardHelpOptions = true,
      description = {
        "Few-shot enrolment: fit one new user's vector from K labelled examples ({\"text\","
            + " \"label\"[, \"user\"]} rows), everything else frozen, and write an adapter"
            + " directory that includes the user (--out) or publish the vector to the adapter store"
            + " (--publish-to, kind user_vector). Prints the time taken.",
        "With --out the shared files are copied byte for byte; only the user table changes."
      })
  static final class Enrol implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "The BERT encoder directory.")
    Path model;

    @Option(names = "--adapter", required = true, description = "A PLoRA adapter directory.")
    Path adapter;

    @Option(names = "--user", required = true, description = "The new user's id.")
    String user;

    @Option(names = "--data", required = true, description = "The user's examples, JSONL.")
    Path data;

    @Option(
        names = "--out",
        description =
            "Adapter directory to write, with the user added (a new directory, or --adapter itself"
                + " to update it in place).")
    Path out;

    @Option(
        names = "--publish-to",
        paramLabel = "URL",
        description =
            "Publish the user's vector to this adapter store (jdbc:sqlite:FILE or"
                + " jdbc:postgresql://...) as the user's next user_vector version, instead of"
                + " --out.")
    String publishTo;

    @Option(
        names = "--shots",
        description = "Use the first K rows only (default: all; fewer rows: what there is).")
    Integer shots;

    @Option(names = "--steps", description = "Optimizer steps (default ${DEFAULT-VALUE}).")
    int steps = 30;

    @Option(
        names = "--lr",
        description = "Learning rate (default ${DEFAULT-VALUE}; ~10x the shared training's).")
    double lr = 1e-2;

    @Option(names = "--batch-size", description = "Examples per step (default ${DEFAULT-VALUE}).")
    int batchSize = 16;

    @Option(names = "--seed", description = "Seed of order and dropout (default ${DEFAULT-VALUE}).")
    long seed = 42;

    @Option(
        names = "--replace",
        description = "Refit a user the adapter already has (default: refuse).")
    boolean replace;

    @Override
    public Integer call() throws Exception {
      if ((out == null) == (publishTo == null)) {
        throw new IllegalArgumentException("give one of --out DIR or --publish-to URL");
      }
      PLoraTrain.checkUser(data, user);
      if (publishTo != null) {
        io.persona4j.serve.store.AdapterStore.open(publishTo).close(); // fail before fitting
      }
      TrainOptions.require(shots == null || shots >= 1, "--shots", shots, "must be >= 1");
      FewShotEnrolment.Config config =
          FewShotEnrolment.Config.builder()
              .optSteps(steps)
              .optLearningRate(lr)
              .optBatchSize(batchSize)
              .optSeed(seed)
              .build();
      boolean inPlace = out != null && Files.exists(out) && Files.isSameFile(out, adapter);
      if (out != null && !inPlace && Files.exists(out) && !isEmptyDirectory(out)) {
        throw new IllegalArgumentException(
            "--out "
                + out
                + " exists and is not empty (give a new directory, or --adapter itself)");
      }
      try (PLoraSession s = PLoraSession.open(model, adapter, seed)) {
        if (out != null && s.plora.users().contains(user) && !replace) {
          throw new IllegalArgumentException(
              "user '" + user + "' already has a vector in " + adapter + " (--replace refits it)");
        }
        List<Example> examples = examples(s);
        FewShotEnrolment.Result r =
            FewShotEnrolment.fit(
                s.plora, s.encoder(), s.labels.pooling(), s.head, examples, config);
        System.err.printf(
            "enrolled user '%s' from %d examples in %.2f s (%d steps, lr %s, loss %.4f -> %.4f)%n",
            user, r.examples(), r.seconds(), r.steps(), lr, r.firstLoss(), r.finalLoss());
        if (publishTo != null) {
          publish(s, r);
        } else {
          s.plora.users().put(user, r.vector());
          write(s, inPlace);
          System.err.println("adapter: " + out + " (" + s.plora.users().size() + " users)");
        }
      }
      return 0;
    }

    private List<Example> examples(PLoraSession s) throws IOException {
      TrainOptions o = new TrainOptions();
      o.maxLen = Math.min(o.maxLen, s.bert.config().maxPositionEmbeddings());
      PLoraTrain.Rows rows = PLoraTrain.read(data, s.tokenizer, o, s.labels);
      for (String u : rows.users()) {
        if (u != null && !u.equals(user)) {
          throw new DatasetException(
              data, "a row has user '" + u + "', but --user is '" + user + "' (one user per file)");
        }
      }
      List<Example> ex = new ArrayList<>(rows.examples());
      if (shots != null && ex.size() > shots) {
        ex = ex.subList(0, shots);
      } else if (shots != null && ex.size() < shots) {
        System.err.printf(
            "%s has %d examples, fewer than --shots %d: using them all%n", data, ex.size(), shots);
      }
      return ex;
    }

    /** The vector as a user_vector entry of the store (base model and adapter fingerprints). */
    private void publish(PLoraSession s, FewShotEnrolment.Result r) throws IOException {
      String fp = io.persona4j.core.model.ModelFingerprint.of(model);
      io.persona4j.adapters.plora.UserVectorFile entry =
          new io.persona4j.adapters.plora.UserVectorFile(
              user, r.vector(), fp, s.adapterFingerprint);
      Path tmp = Files.createTempDirectory("persona4j-user-vector-");
      try {
        entry.write(tmp);
        try (io.persona4j.serve.store.AdapterStore store =
            io.persona4j.serve.store.AdapterStore.open(publishTo)) {
          var result =
              StorePublishing.publish(
                  store,
                  user,
                  tmp,
                  model,
                  io.persona4j.serve.store.AdapterKind.USER_VECTOR,
                  io.persona4j.serve.store.AdapterSource.enrolment(
                      "plora-enrol",
                      "persona4j plora enrol --adapter "
                          + adapter.toAbsolutePath()
                          + " ("
                          + r.examples()
                          + " examples)"),
                  true,
                  p -> true);
          StorePublishing.print(store, result, System.out, System.err);
        }
      } finally {
        deleteTree(tmp);
      }
    }

    /** The adapter with the new user: shared files copied verbatim, the user table rewritten. */
    private void write(PLoraSession s, boolean inPlace) throws IOException {
      if (inPlace) {
        PLoraFiles.writeUsers(out, s.plora.users(), s.plora.baseModelFingerprint());
        return;
      }
      Path parent = out.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path tmp = Files.createTempDirectory(parent, "." + out.getFileName() + ".tmp-");
      try {
        try (Stream<Path> files = Files.list(adapter)) {
          for (Path f : files.filter(Files::isRegularFile).toList()) {
            String name = f.getFileName().toString();
            if (!name.equals(PLoraFiles.USERS_FILE)
                && !name.equals(PLoraFiles.USERS_WEIGHTS_FILE)) {
              Files.copy(f, tmp.resolve(name), StandardCopyOption.COPY_ATTRIBUTES);
            }
          }
        }
        PLoraFiles.writeUsers(tmp, s.plora.users(), s.plora.baseModelFingerprint());
        if (Files.exists(out)) {
          Files.delete(out); // an empty directory
        }
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        deleteTree(tmp);
      }
    }
  }

  static boolean isEmptyDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
