/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.rec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.adapters.lora.LoraDropoutReseeding;
import io.persona4j.adapters.moe.GateType;
import io.persona4j.adapters.moe.MoeLoraConfig;
import io.persona4j.adapters.moe.MoeLoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.io.AtomicFiles;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.train.AdamW;
import io.persona4j.core.train.LearningRateSchedule;
import io.persona4j.core.train.TrainableParameters;
import io.persona4j.core.train.Trainer;
import io.persona4j.core.train.TrainingListener;
import io.persona4j.core.train.TrainingResult;
import io.persona4j.experiments.common.FinetunePreset;
import io.persona4j.rec.llara.AnswerMatch;
import io.persona4j.rec.llara.BatchHook;
import io.persona4j.rec.llara.BeamEvaluator;
import io.persona4j.rec.llara.ConstrainedEvaluator;
import io.persona4j.rec.llara.GenerationEvaluator;
import io.persona4j.rec.llara.HybridEmbedder;
import io.persona4j.rec.llara.ItemCatalog;
import io.persona4j.rec.llara.ItemProjector;
import io.persona4j.rec.llara.LikelihoodRanker;
import io.persona4j.rec.llara.LlaraModel;
import io.persona4j.rec.llara.LlaraObjective;
import io.persona4j.rec.llara.LlaraPrompt;
import io.persona4j.rec.llara.LlaraPromptConfig;
import io.persona4j.rec.llara.PromptMode;
import io.persona4j.rec.llara.RecMetrics;
import io.persona4j.rec.llara.RecSample;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One LLM recommender trained and evaluated: LLaRA's hybrid prompts (curriculum from text-only to
 * hybrid) on a frozen base model, with a LoRA of total rank r on q,k,v,o,gate,up,down split into K
 * experts and gated per sequence by the SASRec representation of the history (iLoRA; K = 1 is plain
 * LoRA), the item projector trained with it; evaluated by the generation protocol (greedy, hybrid
 * prompts, valid when exactly one candidate title appears).
 */
public final class LlmRecRun {
  /** The adapter's name in the model. */
  static final String ADAPTER = "ilora";

  /** Prefix of the router parameters (trained at the router's learning-rate multiplier). */
  static final String ROUTER_PREFIX = "moe_gate.";

  /** Width of the beam protocol (beam search over the candidate trie). */
  public static final int BEAM_WIDTH = 5;

  /** Tokens free generation may produce (LLaRA's default is 64; titles need far fewer). */
  static final int MAX_NEW_TOKENS = 24;

  private static final TrainingListener NO_LISTENER = new TrainingListener() {};

  /**
   * What one run did.
   *
   * @param test free generation on the test samples
   * @param likelihood likelihood ranking on the test samples
   * @param constrained constrained decoding on the test samples
   * @param checks the validation checks of the checkpoint selection (empty without one)
   * @param selectedStep the step whose weights were tested
   * @param generationHits per test sample whether free generation named the target
   * @param constrainedHits the same for constrained decoding
   * @param likelihoodHits the same for likelihood ranking
   * @param gates per test sample the linear gate's expert weights (null for K = 1 and other gates)
   * @param beam beam search of width {@link #BEAM_WIDTH} over the candidate trie on the test
   *     samples
   * @param beamHits per test sample whether the beam's answer is the target
   */
  public record Outcome(
      String method,
      long seed,
      RecMetrics test,
      RecMetrics likelihood,
      long steps,
      double firstLoss,
      double finalLoss,
      double trainSeconds,
      double trainSamplesPerSecond,
      double evalSeconds,
      double evalPromptsPerSecond,
      long trainableParameters,
      RecMetrics constrained,
      List<CheckpointSelector.Check> checks,
      long selectedStep,
      boolean[] generationHits,
      boolean[] constrainedHits,
      boolean[] likelihoodHits,
      float[][] gates,
      RecMetrics beam,
      boolean[] beamHits) {}

  private LlmRecRun() {}

  /**
   * Fine-tunes {@code method} on {@code train} and evaluates it on {@code eval}; saves the adapter
   * (PEFT files + iLoRA gate) and the projector into {@code out} if it is not null.
   */
  public static Outcome run(
      Path baseModel,
      ItemCatalog catalog,
      SequenceEncoder encoder,
      FinetunePreset ft,
      RecPreset.Method method,
      long seed,
      List<RecSample> train,
      List<RecSample> eval,
      List<TrainingListener> listeners,
      Path out)
      throws IOException {
    return run(
        baseModel, catalog, encoder, ft, method, seed, train, List.of(), 0, eval, listeners, out);
  }

  /**
   * As {@link #run(Path, ItemCatalog, SequenceEncoder, FinetunePreset, RecPreset.Method, long,
   * List, List, List, Path)}, selecting the checkpoint on {@code valid} with {@code checks} evenly
   * spaced validation checks ({@link CheckpointSelector}; 0: the final weights); the test samples
   * {@code eval} are evaluated once, after training, with the selected weights.
   */
  public static Outcome run(
      Path baseModel,
      ItemCatalog catalog,
      SequenceEncoder encoder,
      FinetunePreset ft,
      RecPreset.Method method,
      long seed,
      List<RecSample> train,
      List<RecSample> valid,
      int checks,
      List<RecSample> eval,
      List<TrainingListener> listeners,
      Path out)
      throws IOException {
    if (checks > 0 && valid.isEmpty()) {
      throw new IllegalArgumentException("checkpoint selection needs validation samples");
    }
    float[][] itemVectors = encoder.itemVectors();
    int gateDim = itemVectors[0].length;
    try (NDManager m = TensorRuntime.newManager();
        LlamaModel lm = LlamaModel.load(baseModel, m);
        Tokenizer tok = Tokenizer.fromDirectory(baseModel);
        ItemProjector projector = ItemProjector.create(gateDim, lm.config().hiddenSize(), seed, m);
        MoeLoraModel moe = MoeLoraModel.of(lm, m)) {
      LlaraPrompt prompt = new LlaraPrompt(tok, catalog, LlaraPromptConfig.movies(ft.maxPrompt()));
      moe.add(
          ADAPTER,
          MoeLoraConfig.builder()
              .optR(ft.rank())
              .optNumExperts(method.experts())
              .optAlpha(ft.alpha())
              .optDropout(ft.dropout())
              .optGateType(method.gate())
              .optGateDim(gateDim)
              .optSeed(seed)
              .build(),
          seed);
      BatchHook hook = gateHook(moe, encoder, gateDim);
      LlaraModel llara =
          new LlaraModel(lm, prompt, new HybridEmbedder(lm, projector, itemVectors), hook);
      LlaraObjective objective =
          new LlaraObjective(llara, LlaraObjective.Curriculum.CURRICULUM, seed);

      Map<String, NDArray> params = new LinkedHashMap<>(moe.trainableParameters().all());
      params.putAll(projector.parameters());
      CheckpointSelector selector =
          checks <= 0
              ? null
              : new CheckpointSelector(
                  params,
                  ft.steps(),
                  checks,
                  () -> {
                    moe.train(false);
                    try {
                      RecMetrics g =
                          AnswerMatch.metrics(
                              new GenerationEvaluator(
                                      llara,
                                      PromptMode.HYBRID,
                                      MAX_NEW_TOKENS,
                                      ft.evalBatch(),
                                      false)
                                  .predict(valid).stream()
                                      .map(GenerationEvaluator.Prediction::match)
                                      .toList());
                      RecMetrics c =
                          new ConstrainedEvaluator(llara, PromptMode.HYBRID, ft.evalBatch())
                              .evaluate(valid);
                      return new CheckpointSelector.Validation(g, c);
                    } finally {
                      moe.train(true);
                    }
                  });
      moe.train(true);
      long start = System.nanoTime();
      TrainingResult r;
      try (AdamW opt =
              AdamW.builder()
                  .optWeightDecay(1e-5)
                  .optLrMultiplier(ROUTER_PREFIX, moe.config().routerLrMultiplier())
                  .build();
          Trainer trainer =
              withListeners(
                      Trainer.builder()
                          .setParameters(TrainableParameters.of(params))
                          .setObjective(objective)
                          .addListener(objective)
                          .addListener(new LoraDropoutReseeding(moe.units(), seed))
                          .addListener(selector == null ? NO_LISTENER : selector)
                          .setOptimizer(opt)
                          .setSchedule(
                              LearningRateSchedule.warmupCosine(
                                  ft.lr(), Math.max(1, ft.steps() / 20), ft.steps()))
                          .setTrainData(objective.register(train))
                          .setMaxSteps(ft.steps())
                          .optMicroBatchSize(ft.batch())
                          .optMaxGradNorm(1.0)
                          .optSeed(seed)
                          .optPadId(prompt.padId()),
                      listeners)
                  .build()) {
        r = trainer.train();
      } finally {
        moe.train(false);
      }
      double trainSeconds = (System.nanoTime() - start) / 1e9;
      long selected = r.steps();
      if (selector != null) {
        selector.restoreBest();
        selected = selector.best().step();
      }
      if (out != null) {
        moe.save(out);
        projector.save(out.resolve("projector.safetensors"));
      }
      long evalStart = System.nanoTime();
      List<GenerationEvaluator.Prediction> predictions =
          new GenerationEvaluator(llara, PromptMode.HYBRID, MAX_NEW_TOKENS, ft.evalBatch(), false)
              .predict(eval);
      RecMetrics metrics =
          AnswerMatch.metrics(
              predictions.stream().map(GenerationEvaluator.Prediction::match).toList());
      List<ConstrainedEvaluator.Choice> choices =
          new ConstrainedEvaluator(llara, PromptMode.HYBRID, ft.evalBatch()).predict(eval);
      if (out != null) {
        writePredictions(out.resolve("predictions.jsonl"), predictions, choices, catalog);
      }
      double[][][] tokenLp =
          new LikelihoodRanker(llara, PromptMode.HYBRID, Math.max(1, ft.evalBatch() / 4), true)
              .tokenLogProbs(eval);
      double[][] scores = LikelihoodRanker.sums(tokenLp);
      List<ConstrainedEvaluator.Choice> beams =
          new BeamEvaluator(llara, PromptMode.HYBRID, ft.evalBatch(), BEAM_WIDTH)
              .choose(eval, tokenLp);
      boolean[] genHits = new boolean[eval.size()];
      boolean[] conHits = new boolean[eval.size()];
      boolean[] likHits = new boolean[eval.size()];
      boolean[] beamHits = new boolean[eval.size()];
      for (int i = 0; i < eval.size(); i++) {
        beamHits[i] = beams.get(i).correct();
        genHits[i] = predictions.get(i).match().correct();
        conHits[i] = choices.get(i).correct();
        likHits[i] = argmax(scores[i]) == eval.get(i).targetIndex();
      }
      long likCorrect = 0;
      for (boolean h : likHits) {
        likCorrect += h ? 1 : 0;
      }
      RecMetrics likelihood = new RecMetrics(eval.size(), eval.size(), likCorrect);
      double evalSeconds = (System.nanoTime() - evalStart) / 1e9;
      float[][] gates =
          method.gate() == GateType.LINEAR && method.experts() > 1
              ? gates(moe.routerWeight().toFloatArray(), method.experts(), encoder, eval)
              : null;
      double[] losses = r.losses();
      long trainable = params.values().stream().mapToLong(a -> a.getShape().size()).sum();
      return new Outcome(
          method.name(),
          seed,
          metrics,
          likelihood,
          r.steps(),
          losses[0],
          losses[losses.length - 1],
          trainSeconds,
          r.steps() * ft.batch() / trainSeconds,
          evalSeconds,
          eval.size() / evalSeconds,
          trainable,
          ConstrainedEvaluator.metrics(choices),
          selector == null ? List.of() : selector.checks(),
          selected,
          genHits,
          conHits,
          likHits,
          gates,
          ConstrainedEvaluator.metrics(beams),
          beamHits);
    }
  }

  /** Index of the largest score (the first of equal ones), as {@link LikelihoodRanker} ranks. */
  static int argmax(double[] scores) {
    int best = 0;
    for (int c = 1; c < scores.length; c++) {
      if (scores[c] > scores[best]) {
        best = c;
      }
    }
    return best;
  }

  /**
   * The linear gate {@code softmax(W x)} of each sample, {@code W [K, d]} the router (row-major),
   * {@code x} the encoder's representation of the sample's history: what the adapter mixes its
   * experts with.
   */
  static float[][] gates(float[] router, int k, SequenceEncoder encoder, List<RecSample> samples) {
    int[][] histories = new int[samples.size()][];
    for (int i = 0; i < histories.length; i++) {
      histories[i] = samples.get(i).history();
    }
    float[][] x = encoder.encode(histories);
    int d = router.length / k;
    float[][] g = new float[x.length][k];
    for (int i = 0; i < x.length; i++) {
      double[] z = new double[k];
      double max = Double.NEGATIVE_INFINITY;
      for (int e = 0; e < k; e++) {
        double s = 0;
        for (int j = 0; j < d; j++) {
          s += (double) router[e * d + j] * x[i][j];
        }
        z[e] = s;
        max = Math.max(max, s);
      }
      double sum = 0;
      for (int e = 0; e < k; e++) {
        z[e] = Math.exp(z[e] - max);
        sum += z[e];
      }
      for (int e = 0; e < k; e++) {
        g[i][e] = (float) (z[e] / sum);
      }
    }
    return g;
  }

  /** One JSON line per test case: user, target title, generated text, valid, correct. */
  static void writePredictions(
      Path file, List<GenerationEvaluator.Prediction> predictions, ItemCatalog catalog)
      throws IOException {
    writePredictions(file, predictions, null, catalog);
  }

  /**
   * As {@link #writePredictions(Path, List, ItemCatalog)}, with each sample's constrained choice
   * ({@code constrained}, {@code constrained_correct}) if {@code choices} is not null.
   */
  static void writePredictions(
      Path file,
      List<GenerationEvaluator.Prediction> predictions,
      List<ConstrainedEvaluator.Choice> choices,
      ItemCatalog catalog)
      throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < predictions.size(); i++) {
      GenerationEvaluator.Prediction p = predictions.get(i);
      ObjectNode line =
          json.createObjectNode()
              .put("user", p.sample().user())
              .put("target", catalog.title(p.sample().target()))
              .put("generated", p.generated())
              .put("valid", p.match().valid())
              .put("correct", p.match().correct());
      if (choices != null) {
        line.put("constrained", catalog.title(choices.get(i).item()))
            .put("constrained_correct", choices.get(i).correct());
      }
      lines.add(line.toString());
    }
    AtomicFiles.writeString(file, lines.isEmpty() ? "" : String.join("\n", lines) + "\n");
  }

  private static Trainer.Builder withListeners(
      Trainer.Builder b, List<TrainingListener> listeners) {
    listeners.forEach(b::addListener);
    return b;
  }

  /**
   * Sets the gate input of every batch: the encoder's vector of each row's history (the LINEAR
   * gate's input; the RANDOM gate only reads its batch size; UNIFORM needs none).
   */
  static BatchHook gateHook(MoeLoraModel moe, SequenceEncoder encoder, int dim) {
    if (moe.config().gateType() == GateType.UNIFORM) {
      return BatchHook.NONE;
    }
    return (samples, m) -> {
      int[][] histories = new int[samples.size()][];
      for (int i = 0; i < histories.length; i++) {
        histories[i] = samples.get(i).history();
      }
      float[][] v = encoder.encode(histories);
      float[] flat = new float[v.length * dim];
      for (int i = 0; i < v.length; i++) {
        System.arraycopy(v[i], 0, flat, i * dim, dim);
      }
      moe.setGateInput(m.create(flat, new Shape(v.length, dim)));
    };
  }
}
