/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import com.fasterxml.jackson.databind.JsonNode;
import io.persona4j.core.io.DType;
import io.persona4j.core.io.HostTensor;
import io.persona4j.core.io.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Saving a {@link Trainer}'s state to a {@link TrainingCheckpoint} and restoring it. */
final class TrainerCheckpoints {
  private static final Logger LOG = LoggerFactory.getLogger(TrainerCheckpoints.class);

  private TrainerCheckpoints() {}

  static Path save(Trainer t, Path root) throws IOException {
    Map<String, HostTensor> tensors = new LinkedHashMap<>();
    t.parameters().asMap().forEach((name, a) -> tensors.put(name, HostTensor.fromNDArray(a)));
    Map<String, JsonNode> states = new LinkedHashMap<>();
    for (TrainingListener l : t.listeners()) {
      if (l.stateKey() != null) {
        JsonNode s = l.saveState();
        if (s != null) {
          states.put(l.stateKey(), s);
        }
      }
    }
    TrainerConfig c = t.config();
    TrainerState state =
        new TrainerState(
            t.step(),
            t.cursor(),
            c.seed(),
            c.shuffle(),
            t.trainSize(),
            c.microBatchSize(),
            c.gradientAccumulation(),
            t.optimizer().name(),
            t.optimizer().hyperParameters(),
            states);
    Path dir = TrainingCheckpoint.write(root, state, tensors, t.optimizer().state());
    if (c.keepCheckpoints() > 0) {
      TrainingCheckpoint.prune(root, c.keepCheckpoints());
    }
    LOG.info("step {}: checkpoint {}", t.step(), dir);
    return dir;
  }

  static void restore(Trainer t, Path checkpoint) throws IOException {
    Path dir = checkpoint;
    if (!Files.exists(dir.resolve(TrainingCheckpoint.STATE))) {
      dir =
          TrainingCheckpoint.latest(checkpoint)
              .orElseThrow(
                  () ->
                      new IOException(
                          checkpoint + ": neither a training checkpoint nor a directory of them"));
    }
    TrainerState state = TrainingCheckpoint.readState(dir);
    Optimizer optimizer = t.optimizer();
    Path stateFile = dir.resolve(TrainingCheckpoint.STATE);
    if (!state.optimizer().equals(optimizer.name())) {
      throw new ModelFormatException(
          stateFile,
          "field 'optimizer.name' = "
              + state.optimizer()
              + ", but this trainer uses "
              + optimizer.name());
    }
    if (state.step() > t.config().maxSteps()) {
      throw new IllegalArgumentException(
          dir + " is at step " + state.step() + ", beyond maxSteps " + t.config().maxSteps());
    }
    warnIfDifferent(
        dir,
        "optimizer hyper-parameters",
        state.optimizerHyperParameters(),
        optimizer.hyperParameters());
    TrainerConfig c = t.config();
    warnIfDifferent(dir, "seed", state.seed(), c.seed());
    warnIfDifferent(dir, "shuffle", state.shuffle(), c.shuffle());
    warnIfDifferent(dir, "training examples", state.trainExamples(), (long) t.trainSize());
    warnIfDifferent(dir, "micro-batch size", state.microBatchSize(), c.microBatchSize());
    warnIfDifferent(
        dir, "gradient accumulation", state.gradientAccumulation(), c.gradientAccumulation());

    Path paramFile = dir.resolve(TrainingCheckpoint.PARAMETERS);
    Map<String, HostTensor> saved = TrainingCheckpoint.readTensors(paramFile);
    TrainableParameters params = t.parameters();
    checkParameters(paramFile, saved, params);
    Map<String, HostTensor> optState =
        TrainingCheckpoint.readTensors(dir.resolve(TrainingCheckpoint.OPTIMIZER));
    optimizer.loadState(optState, params, dir.resolve(TrainingCheckpoint.OPTIMIZER));
    try (Autograd.NoGrad ignored = Autograd.noGrad()) {
      for (Map.Entry<String, NDArray> e : params.asMap().entrySet()) {
        // Copy into the parameter's memory: NDArray.set(Buffer) would rebind the array to new
        // memory, detaching it from storage it shares (decoder projections are views of one
        // concatenated weight).
        NDArray p = e.getValue();
        try (NDArray v =
            p.getManager().create(saved.get(e.getKey()).data().asFloatBuffer(), p.getShape())) {
          p.set(new NDIndex("..."), v);
        }
      }
    }
    for (TrainingListener l : t.listeners()) {
      if (l.stateKey() != null) {
        JsonNode s = state.listeners().get(l.stateKey());
        if (s == null) {
          LOG.warn("{}: no saved state for listener '{}'; it starts afresh", dir, l.stateKey());
        } else {
          l.restoreState(s);
        }
      }
    }
    t.restorePosition(state.step(), state.dataCursor());
    LOG.info("resumed from {} at step {}", dir, state.step());
  }

  private static void checkParameters(
      Path file, Map<String, HostTensor> saved, TrainableParameters params)
      throws ModelFormatException {
    Set<String> extra = new HashSet<>(saved.keySet());
    extra.removeAll(params.names());
    if (!extra.isEmpty()) {
      throw new ModelFormatException(
          file,
          extra.iterator().next(),
          "not a trainable parameter of this run ("
              + extra.size()
              + " such tensors; other adapters or model than when the checkpoint was written?)");
    }
    for (Map.Entry<String, NDArray> e : params.asMap().entrySet()) {
      HostTensor h = saved.get(e.getKey());
      if (h == null) {
        throw new ModelFormatException(file, e.getKey(), "trainable parameter missing");
      }
      long[] shape = Optimizer.shapeOf(e.getValue());
      if (h.dtype() != DType.F32 || !Arrays.equals(h.shape(), shape)) {
        throw new ModelFormatException(
            file,
            e.getKey(),
            "expected F32"
                + Arrays.toString(shape)
                + ", found "
                + h.dtype()
                + Arrays.toString(h.shape()));
      }
    }
  }

  private static void warnIfDifferent(Path dir, String what, Object saved, Object now) {
    if (!Objects.equals(saved, now)) {
      LOG.warn(
          "{}: {} was {} when the checkpoint was written, now {}: the resumed run will not repeat"
              + " the original one exactly",
          dir,
          what,
          saved,
          now);
    }
  }
}
