/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.checks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.adapters.lora.LoraUnit;
import io.persona4j.adapters.plora.PLoraModel;
import io.persona4j.adapters.plora.PLoraObjective;
import io.persona4j.cli.Persona4j;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.io.DType;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.train.Batch;
import io.persona4j.core.train.ClassificationHead;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.Pooling;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java example in README.md and docs/ (marked {@value DocExamples#MARKER}) is compiled from
 * the Markdown and run. Each example has a check here that prepares its inputs and judges its
 * output; an example without one, or a check without its example, fails the build.
 *
 * <p>To add an example: write it in the docs after the marker line, and add an entry to {@link
 * #CHECKS} under its class name.
 */
class DocExamplesTest {
  static final Path ROOT = Path.of(System.getProperty("persona4j.root", ".."));

  /** How an example is run and judged: given its compiled form and a scratch directory. */
  @FunctionalInterface
  interface Check {
    void run(DocExamples.Example example, Path compiled, Path scratch) throws Exception;
  }

  /** Example class name -> its check. */
  static final Map<String, Check> CHECKS =
      Map.of(
          "EmbedPersona", DocExamplesTest::embedPersona,
          "PLoraQuickstart", DocExamplesTest::ploraQuickstart);

  @TempDir static Path tmp;

  static List<DocExamples.Example> examples() throws Exception {
    return DocExamples.find(DocExamples.markdownFiles(ROOT));
  }

  @Test
  void everyExampleHasACheckAndEveryCheckItsExample() throws Exception {
    List<String> names = examples().stream().map(DocExamples.Example::className).toList();
    assertThat(names).as("examples in the docs").contains("EmbedPersona").doesNotHaveDuplicates();
    assertThat(new TreeSet<>(names)).isEqualTo(new TreeSet<>(CHECKS.keySet()));
  }

  @TestFactory
  Stream<DynamicTest> everyExampleCompilesAndRuns() throws Exception {
    return examples().stream()
        .map(
            e ->
                DynamicTest.dynamicTest(
                    e.toString(),
                    () -> {
                      Path dir = Files.createDirectories(tmp.resolve(e.className()));
                      DocExamples.compile(e, dir);
                      Check check = CHECKS.get(e.className());
                      assertThat(check).as("a check for %s", e).isNotNull();
                      check.run(e, dir, Files.createDirectories(dir.resolve("scratch")));
                    }));
  }

  /**
   * README's embedding example: a model and a user's adapter (random, far from zero), generated
   * with; its output must be what {@code persona4j generate --adapter} prints, and differ from the
   * base model's.
   */
  static void embedPersona(DocExamples.Example e, Path compiled, Path scratch) throws Exception {
    Path model = scratch.resolve("model");
    ModelInit.write(
        ModelInit.decoderConfig("llama", 2, 32, 4, 2, 300, 0, 128), 1, 0.2f, DType.F32, model);
    Path adapter = scratch.resolve("adapter");
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel lm = LlamaModel.load(model, m);
        LoraModel lora = LoraModel.of(lm, m)) {
      lora.add(
          "user",
          LoraConfig.builder().optR(4).optAlpha(8).optTargets("q_proj", "v_proj").build(),
          1);
      SplittableRandom r = new SplittableRandom(3);
      for (LoraUnit u : lora.units("user").values()) {
        try (NDManager t = m.newSubManager()) {
          u.assign(random(t, r, u.a().getShape()), random(t, r, u.b().getShape()));
        }
      }
      lora.save("user", adapter);
    }
    String printed = DocExamples.run(e, compiled, model.toString(), adapter.toString(), "Hello");
    String[] generate = {
      "generate",
      "--model",
      model.toString(),
      "--prompt",
      "Hello",
      "--max-tokens",
      "32",
      "--no-stats"
    };
    String withAdapter = cli(concat(generate, "--adapter", adapter.toString()));
    String base = cli(generate);
    assertThat(printed).startsWith("Hello").isEqualTo(withAdapter);
    assertThat(printed).as("the adapter changes the output").isNotEqualTo(base);
  }

  /**
   * PLORA.md's library example on a tiny random BERT: the trained users' vectors change the answer
   * (alice, who likes everything, above bob, who likes nothing), few-shot enrolment moves the new
   * user above the zero-shot answer, and the adapter it saved holds the three users and gives the
   * printed answer for the new one.
   */
  static void ploraQuickstart(DocExamples.Example e, Path compiled, Path scratch) throws Exception {
    Path bert = scratch.resolve("bert");
    cli(
        "model",
        "init",
        "--family",
        "bert",
        "--layers",
        "2",
        "--hidden",
        "32",
        "--heads",
        "4",
        "--vocab",
        "300",
        "--out",
        bert.toString());
    Path adapter = scratch.resolve("adapter");
    String printed = DocExamples.run(e, compiled, bert.toString(), adapter.toString());
    Map<String, Double> like = new java.util.LinkedHashMap<>();
    for (String line : printed.strip().split("\n")) {
      String[] kv = line.split(": ");
      like.put(kv[0], Double.parseDouble(kv[1]));
    }
    assertThat(like).as(printed).containsOnlyKeys("alice", "bob", "carol", "zero-shot");
    assertThat(like.get("alice")).as(printed).isGreaterThan(like.get("bob"));
    assertThat(like.get("carol")).as(printed).isGreaterThan(like.get("zero-shot"));
    try (NDManager m = TensorRuntime.newManager();
        BertModel model = BertModel.load(bert, m);
        Tokenizer tok = Tokenizer.fromDirectory(bert);
        PLoraModel plora = PLoraModel.load(model, adapter, 1, m);
        ClassificationHead head = ClassificationHead.of(plora.modulesToSave(), m)) {
      assertThat(plora.users().ids()).containsExactly("alice", "bob", "carol");
      List<Example> query = List.of(Example.classification(tok.encode("a good movie", true), 1));
      float carol;
      try (NDManager s = m.newSubManager()) {
        carol =
            new PLoraObjective(
                    (ids, mask) -> model.forward(ids, mask, null),
                    Pooling.MEAN,
                    head,
                    plora,
                    PLoraObjective.fromTable(plora, Map.of(query.get(0), "carol")),
                    false)
                .logits(Batch.of(query, 0), s)
                .softmax(-1)
                .toFloatArray()[1];
      }
      assertThat((double) carol).isCloseTo(like.get("carol"), within(1e-4));
    }
  }

  static ai.djl.ndarray.NDArray random(NDManager m, SplittableRandom r, Shape shape) {
    float[] v = new float[Math.toIntExact(shape.size())];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (r.nextDouble() * 1.2 - 0.6);
    }
    return m.create(v, shape);
  }

  static synchronized String cli(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      assertThat(Persona4j.commandLine().execute(args)).as(String.join(" ", args)).isZero();
    } finally {
      System.setOut(old);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  static String[] concat(String[] a, String... b) {
    String[] out = new String[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
