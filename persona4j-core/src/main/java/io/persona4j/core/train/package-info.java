/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * Training: any set of named tensors, a loss, an optimizer, a schedule, a loop.
 *
 * <ul>
 *   <li>{@link io.persona4j.core.train.TrainableParameters}: the tensors to update, with gradients
 *       attached; everything else stays frozen. Full-parameter training of a decoder is {@code
 *       TrainableParameters.allOf(model)}; an adapter module passes its own {@code Map<String,
 *       NDArray>} to {@code TrainableParameters.of}, and {@code merge} adds e.g. a classification
 *       head.
 *   <li>{@link io.persona4j.core.train.TrainingObjective}: the forward pass and summed loss of a
 *       {@link io.persona4j.core.train.Batch}: {@link io.persona4j.core.train.CausalLmObjective}
 *       (next-token loss on the tokens the labels mark, i.e. completions) and {@link
 *       io.persona4j.core.train.SequenceClassificationObjective} (any {@link
 *       io.persona4j.core.train.Encoder}, {@link io.persona4j.core.train.Pooling}, {@link
 *       io.persona4j.core.train.ClassificationHead}).
 *   <li>{@link io.persona4j.core.train.AdamW}, {@link io.persona4j.core.train.Sgd}: PyTorch's
 *       update rules, in place, state only for trainable tensors; {@link
 *       io.persona4j.core.train.LearningRateSchedule}: Hugging Face's warmup schedules.
 *   <li>{@link io.persona4j.core.train.Trainer}: accumulation, clipping, evaluation, atomic
 *       checkpoints ({@link io.persona4j.core.train.TrainingCheckpoint}) with exact resume, and
 *       {@link io.persona4j.core.train.TrainingListener}s: progress, metrics JSONL, loss plot,
 *       early stopping.
 *   <li>{@link io.persona4j.core.train.JsonlDataset}: prompt/completion, text and text/label rows,
 *       with every rejected or truncated row reported by line.
 * </ul>
 *
 * <p>Code on a differentiable path must not pass Java numbers to {@code mul}, {@code div}, {@code
 * pow}, {@code maximum} or {@code minimum} (see {@code Autograd} in this package): DJL frees the
 * temporary scalar while autograd still needs it.
 */
package io.persona4j.core.train;
