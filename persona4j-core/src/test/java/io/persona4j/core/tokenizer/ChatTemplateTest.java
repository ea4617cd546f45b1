/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.persona4j.core.io.ModelFormatException;
import io.persona4j.core.tokenizer.ChatTemplate.Message;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chat templates rendered by Jinjava against Python jinja2's output for the same real templates and
 * conversations ({@code chat/make_chat_golden.py}, as transformers configures jinja2).
 */
class ChatTemplateTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  private static JsonNode golden() throws Exception {
    try (InputStream in = ChatTemplateTest.class.getResourceAsStream("/chat/chat_golden.json")) {
      return JSON.readTree(in);
    }
  }

  private static List<Message> messages(JsonNode conversation) {
    List<Message> out = new ArrayList<>();
    conversation.forEach(
        m -> out.add(new Message(m.get("role").asText(), m.get("content").asText())));
    return out;
  }

  @Test
  void rendersRealTemplatesExactlyAsJinja2Does() throws Exception {
    JsonNode g = golden();
    int rendered = 0;
    int rejected = 0;
    for (JsonNode c : g.get("cases")) {
      String name = c.get("template").asText() + "/" + c.get("conversation").asText();
      ChatTemplate t =
          ChatTemplate.of(
              g.get("templates").get(c.get("template").asText()).asText(),
              g.get("tokens").get("bos_token").asText(),
              g.get("tokens").get("eos_token").asText());
      List<Message> messages = messages(g.get("conversations").get(c.get("conversation").asText()));
      boolean gen = c.get("add_generation_prompt").asBoolean();
      if (c.has("error")) {
        assertThatThrownBy(() -> t.render(messages, gen))
            .as(name)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(c.get("error").asText());
        rejected++;
      } else {
        assertThat(t.render(messages, gen))
            .as(name + " gen=" + gen)
            .isEqualTo(c.get("expected").asText());
        rendered++;
      }
    }
    assertThat(rendered).isEqualTo(34);
    assertThat(rejected).isEqualTo(6);
  }

  @Test
  void loadsTheTemplateAndTokenObjectsFromTokenizerConfig() throws Exception {
    JsonNode g = golden();
    Map<String, Object> config =
        Map.of(
            "chat_template",
            g.get("templates").get("llama3").asText(),
            "bos_token",
            Map.of("__type", "AddedToken", "content", "<|begin_of_text|>"),
            "eos_token",
            "<|eot_id|>");
    JSON.writeValue(dir.resolve("tokenizer_config.json").toFile(), config);

    ChatTemplate t = ChatTemplate.load(dir).orElseThrow();
    assertThat(t.render(List.of(Message.user(" Hi ")), true))
        .isEqualTo(
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
  }

  @Test
  void aListOfNamedTemplatesYieldsTheDefaultOne() throws Exception {
    JSON.writeValue(
        dir.resolve("tokenizer_config.json").toFile(),
        Map.of(
            "chat_template",
            List.of(
                Map.of("name", "tool_use", "template", "TOOLS"),
                Map.of("name", "default", "template", "{{ messages[0]['content'] }}!"))));
    assertThat(ChatTemplate.load(dir).orElseThrow().render(List.of(Message.user("x")), false))
        .isEqualTo("x!");
  }

  @Test
  void aModelWithoutTemplateIsNamedWithWhatToDo() throws Exception {
    assertThat(ChatTemplate.load(dir)).isEmpty();
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\"}");
    assertThat(ChatTemplate.load(dir)).isEmpty();
    assertThatThrownBy(() -> ChatTemplate.require(dir))
        .hasMessageContaining(dir.resolve("tokenizer_config.json").toString())
        .hasMessageContaining("no chat_template")
        .hasMessageContaining("plain completions");
  }

  @Test
  void malformedConfigsAndTemplatesNameTheFileAndField() throws Exception {
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": 3}");
    assertThatThrownBy(() -> ChatTemplate.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("tokenizer_config.json")
        .hasMessageContaining("chat_template");
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": ");
    assertThatThrownBy(() -> ChatTemplate.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("not valid JSON");

    ChatTemplate broken = ChatTemplate.of("{% for m in messages %}{{ m['content'] }}", null, null);
    assertThatThrownBy(() -> broken.render(List.of(Message.user("x")), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot render the chat template");
    assertThatThrownBy(() -> new Message("wizard", "x")).hasMessageContaining("'wizard'");
    assertThatThrownBy(() -> ChatTemplate.of(" ", null, null)).hasMessageContaining("empty");
  }
}
