package io.persona4j.cli;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.generate.GenerationResult;
import io.persona4j.core.io.DType;
import io.persona4j.core.model.ModelInit;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.train.CausalLmObjective;
import io.persona4j.core.train.Example;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code persona4j demo}: the main job on an embedded default. Creates a tiny random Llama
 * checkpoint (once), generates from it, fine-tunes a LoRA adapter on a few facts about one user
 * ({@link DemoPersona}), and generates again from the same prompts with the adapter active.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Create a tiny model, generate, fine-tune a LoRA adapter on a few facts about one user,"
            + " and generate again: before/after, tokens/s, loss plot.")
final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--dir",
      defaultValue = "target/demo-model",
      description = "Where the tiny model goes (default ${DEFAULT-VALUE}).")
  Path dir;

  @Option(
      names = "--adapter-dir",
      defaultValue = "target/demo-adapter",
      description =
          "Where the adapter, its data, metrics and loss plot go (default ${DEFAULT-VALUE}).")
  Path adapterDir;

  @Option(
      names = "--prompt",
      description = "Prompt streamed live before and after (default: the first question).")
  String prompt;

  @Option(
      names = "--batch",
      defaultValue = "6",
      description =
          "Also generate for a batch of this many of the user's questions (default"
              + " ${DEFAULT-VALUE}; at most 6).")
  int batch;

  @Option(
      names = "--steps",
      defaultValue = "60",
      description = "Fine-tuning steps (default ${DEFAULT-VALUE}).")
  long steps;

  @Mixin SamplingOptions sampling;

  @Override
  public Integer call() throws Exception {
    long start = System.nanoTime();
    if (!Files.exists(dir.resolve("config.json"))) {
      System.err.println("demo: creating a tiny random Llama checkpoint in " + dir);
      ModelInit.write(
          ModelInit.decoderConfig("llama", 4, 256, 8, 4, 2048, 0, 512), 42, 0.05f, DType.F32, dir);
    }
    String live = prompt != null ? prompt : DemoPersona.questions(1).get(0);
    List<String> questions = DemoPersona.questions(batch);
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel lm = LlamaModel.load(dir, m);
        Tokenizer tok = Tokenizer.fromDirectory(dir);
        LoraModel lora = LoraModel.of(lm, m)) {
      System.err.printf(
          "demo: %s model, %d layers, hidden %d, %,d parameters, random weights%n",
          lm.config().modelType(),
          lm.config().numHiddenLayers(),
          lm.config().hiddenSize(),
          lm.config().parameterCount());

      System.out.println("=== BEFORE fine-tuning (random weights: noise) ===");
      generate(lm, tok, live, questions);

      Path data = DemoPersona.writeJsonl(adapterDir.resolve("data.jsonl"));
      TrainOptions o = demoTraining();
      List<Example> train = TrainCommand.read(data, tok, o);
      System.out.printf(
          "%n=== Fine-tuning a LoRA adapter (r=%d on %s) on %d facts about %s (%s) ===%n",
          o.loraR, String.join(",", o.targets), train.size(), DemoPersona.USER, data);
      o.validate(lm.config().maxPositionEmbeddings());
      LoraFineTune.Task task =
          new LoraFineTune.Task(CausalLmObjective.of(lm), o.loraConfig(), Map.of());
      LoraFineTune.Summary s = LoraFineTune.run(task, lora, o, train, List.of(), adapterDir);
      s.print(System.out);

      System.out.println("\n=== AFTER fine-tuning (adapter active) ===");
      List<String> answers = generate(lm, tok, live, questions);
      int right = 0;
      for (int i = 0; i < questions.size(); i++) {
        if (answers.get(i).startsWith(DemoPersona.completion(DemoPersona.FACTS.get(i)))) {
          right++;
        }
      }
      System.out.printf(
          "%n%d of %d questions answered with the trained fact; adapter in %s, loss plot %s%n",
          right, questions.size(), adapterDir, adapterDir.resolve("loss.png"));
      System.err.printf("demo: done in %.1f s%n", (System.nanoTime() - start) / 1e9);
    }
    return 0;
  }

  /** The settings of the demo's short run: every fact in each step, a high rate, all linears. */
  TrainOptions demoTraining() {
    TrainOptions o = new TrainOptions();
    o.loraR = 16;
    o.loraAlpha = 32;
    o.loraDropout = 0;
    o.targets =
        List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
    o.lr = 3e-3;
    o.maxSteps = steps;
    o.batchSize = DemoPersona.FACTS.size();
    o.warmupSteps = Math.min(5, steps);
    o.maxLen = 64;
    return o;
  }

  /**
   * Streams {@code live}, then generates for {@code questions} as one batch; prints tokens/s of
   * both and returns the batch's generated texts.
   */
  private List<String> generate(LlamaModel lm, Tokenizer tok, String live, List<String> questions) {
    GenerationResult one = GenerateCommand.run(lm, tok, List.of(live), sampling, System.out);
    GenerateCommand.printStats(one, System.err);
    if (batch <= 1) {
      return List.of(tok.decode(one.tokens().get(0), true));
    }
    GenerationResult many = GenerateCommand.run(lm, tok, questions, sampling, System.out);
    System.err.print("batch of " + questions.size() + ": ");
    GenerateCommand.printStats(many, System.err);
    return many.tokens().stream().map(t -> tok.decode(t, true)).toList();
  }
}
