/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.persona4j.adapters.lora.LoadedAdapter;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.bert.BertModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.train.ClassificationHead;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code persona4j classify}: class probabilities of texts from a BERT encoder with a
 * classification adapter trained by {@code persona4j train} (LoRA + {@code classifier} head +
 * {@code classifier.json}).
 */
@Command(
    name = "classify",
    mixinStandardHelpOptions = true,
    description =
        "Classify texts with a BERT encoder and a classification adapter from persona4j train;"
            + " prints one JSON object per text: label and probabilities.")
final class ClassifyCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "Hugging Face encoder directory.")
  Path model;

  @Option(names = "--adapter", required = true, description = "Classification adapter directory.")
  Path adapter;

  @Option(names = "--text", required = true, description = "Text to classify; repeat for several.")
  List<String> texts;

  @Option(
      names = "--user",
      description =
          "PLoRA adapters: the user whose vector conditions the model (absent or unknown:"
              + " zero-shot, said in the output).")
  String user;

  @Option(
      names = "--user-vector",
      description =
          "PLoRA adapters: a user vector entry (directory with user_vector.safetensors, e.g. from"
              + " plora enrol or the store) instead of the adapter's user table.")
  Path userVector;

  @Mixin ForceOption force;

  @Override
  public Integer call() throws Exception {
    if (io.persona4j.adapters.plora.PLoraFiles.isPLoraAdapter(adapter)) {
      return PLoraClassify.run(model, adapter, user, userVector, texts);
    }
    if (user != null || userVector != null) {
      throw new IllegalArgumentException(
          "--user and --user-vector apply to PLoRA adapters; "
              + adapter
              + " is a plain LoRA classifier (its head is the same for every user)");
    }
    ClassLabels labels = ClassLabels.read(adapter);
    try (NDManager m = TensorRuntime.newManager();
        BertModel bert = BertModel.load(model, m);
        Tokenizer tok = Tokenizer.fromDirectory(model);
        LoraModel lora = force.apply(LoraModel.of(bert, m))) {
      LoadedAdapter loaded = lora.load(adapter, LoraFineTune.ADAPTER);
      lora.activate(LoraFineTune.ADAPTER);
      try (ClassificationHead head = ClassificationHead.of(loaded.modulesToSave(), m)) {
        if (head.classes() != labels.size()) {
          throw new IllegalArgumentException(
              adapter
                  + ": the head has "
                  + head.classes()
                  + " classes but "
                  + ClassLabels.FILE
                  + " lists "
                  + labels.size());
        }
        int max = bert.config().maxPositionEmbeddings();
        for (String text : texts) {
          float[] p = probabilities(bert, head, labels, tok.encode(text, true), max, m);
          System.out.println(Json.write(result(text, labels, p)));
        }
      }
    }
    return 0;
  }

  /** Softmax class probabilities of one tokenized text (truncated to {@code max} tokens). */
  static float[] probabilities(
      BertModel bert,
      ClassificationHead head,
      ClassLabels labels,
      long[] ids,
      int max,
      NDManager parent) {
    long[] used = ids.length > max ? Arrays.copyOf(ids, max) : ids;
    try (NDManager m = parent.newSubManager()) {
      NDArray x = m.create(used, new Shape(1, used.length)); // [1, T]
      NDArray mask = m.ones(new Shape(1, used.length), DataType.INT64);
      NDArray hidden = bert.forward(x, mask, null); // [1, T, H]
      NDArray logits = head.forward(labels.pooling().pool(hidden, mask)); // [1, C]
      return logits.softmax(-1).toFloatArray();
    }
  }

  static Map<String, Object> result(String text, ClassLabels labels, float[] p) {
    int best = 0;
    Map<String, Float> probs = new LinkedHashMap<>();
    for (int c = 0; c < p.length; c++) {
      probs.put(labels.names().get(c), p[c]);
      best = p[c] > p[best] ? c : best;
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("text", text);
    r.put("label", labels.names().get(best));
    r.put("probabilities", probs);
    return r;
  }
}
