/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.train.ClassificationHead;
import io.persona4j.core.train.SequenceClassificationObjective;
import java.util.List;

/**
 * Sequence classification with a LoRA-adapted BERT encoder: {@code persona4j train} on {@code
 * {"text","label"}} rows. The head ({@code classifier.weight [C, H]}, {@code classifier.bias [C]})
 * trains with the adapter and is saved with it as PEFT {@code modules_to_save}, as PEFT's SEQ_CLS
 * task type does.
 */
final class EncoderClassifier {
  /** The head's module name, listed in the adapter's {@code modules_to_save}. */
  static final String HEAD = "classifier";

  /** BERT's attention projections, as PEFT targets them for BERT by default. */
  static final List<String> DEFAULT_TARGETS = List.of("query", "value");

  private EncoderClassifier() {}

  /** The training task: a head of {@code labels.size()} classes on the pooled encoder output. */
  static LoraFineTune.Task task(
      BertModel bert, ClassificationHead head, ClassLabels labels, TrainOptions o) {
    LoraConfig config = o.loraConfig(DEFAULT_TARGETS, "SEQ_CLS", List.of(HEAD));
    SequenceClassificationObjective objective =
        new SequenceClassificationObjective(
            (ids, mask) -> bert.forward(ids, mask, null), labels.pooling(), head);
    return new LoraFineTune.Task(objective, config, head.parameters());
  }
}
