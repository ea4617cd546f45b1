/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.experiments.steer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persona4j.core.tokenizer.ChatTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The chat format of the experiment's instruct models: a Jinja chat template (written to each
 * model's {@code tokenizer_config.json}, so {@code SteerModel} applies it to every stream exactly
 * as a real instruct model's) with three single-token role markers, and the pre-training documents
 * rendered through the same template: prompt, answer, EOS.
 */
public final class ChatFormat {
  /** Role markers, reserved as special tokens of the tokenizer. */
  public static final List<String> SPECIALS = List.of("<|system|>", "<|user|>", "<|assistant|>");

  /** The template. */
  public static final String TEMPLATE =
      "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}\n{% endfor %}"
          + "{% if add_generation_prompt %}<|assistant|>\n{% endif %}";

  /** The authors' system message. */
  public static final String SYSTEM = "You are a helpful assistant.";

  private static final ChatTemplate CHAT = ChatTemplate.of(TEMPLATE, "<s>", "</s>");

  private ChatFormat() {}

  /** The prompt text of a user message (system message included, generation prompt open). */
  public static String prompt(String user) {
    return CHAT.render(
        List.of(ChatTemplate.Message.system(SYSTEM), ChatTemplate.Message.user(user)), true);
  }

  /** A pre-training document: the prompt followed by the answer (the trainer adds EOS). */
  public static String document(String user, String answer) {
    return prompt(user) + answer;
  }

  /** Writes {@code tokenizer_config.json} with the template into a model directory. */
  public static void install(Path modelDir) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("bos_token", "<s>");
    root.put("eos_token", "</s>");
    root.put("chat_template", TEMPLATE);
    Files.writeString(
        modelDir.resolve(ChatTemplate.CONFIG_FILE),
        json.writerWithDefaultPrettyPrinter().writeValueAsString(root));
  }
}
