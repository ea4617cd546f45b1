/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import io.persona4j.core.io.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A model's chat template: the Jinja template in {@code tokenizer_config.json} ({@code
 * chat_template}) that turns a list of messages into the prompt text the model was trained on, as
 * Hugging Face {@code transformers} applies it ({@code apply_chat_template}).
 *
 * <p>Rendering follows transformers: {@code trim_blocks} and {@code lstrip_blocks} on, the
 * variables {@code messages} (each a map with {@code role} and {@code content}), {@code
 * add_generation_prompt}, {@code bos_token}, {@code eos_token}, and a {@code raise_exception(msg)}
 * function that fails the rendering with the template's own message. The engine is Jinjava; {@code
 * ChatTemplateTest} checks it against Python's jinja2 on real templates (Llama 2/3, Mistral, Qwen2,
 * Zephyr). Instances are immutable and safe for concurrent use.
 */
public final class ChatTemplate {
  /** The file that holds the template. */
  public static final String CONFIG_FILE = "tokenizer_config.json";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");

  private final String template;
  private final String bosToken;
  private final String eosToken;
  private final String source;
  private final Jinjava jinjava;

  /** One chat message: a role ({@code system}, {@code user}, {@code assistant}, {@code tool}). */
  public record Message(String role, String content) {
    /**
     * @throws IllegalArgumentException for an unknown role or a null content
     */
    public Message {
      if (role == null || !ROLES.contains(role)) {
        throw new IllegalArgumentException(
            "message role "
                + (role == null ? "null" : "'" + role + "'")
                + " is not one of "
                + ROLES);
      }
      Objects.requireNonNull(content, "message content");
    }

    public static Message system(String content) {
      return new Message("system", content);
    }

    public static Message user(String content) {
      return new Message("user", content);
    }

    public static Message assistant(String content) {
      return new Message("assistant", content);
    }
  }

  private ChatTemplate(String template, String bosToken, String eosToken, String source) {
    this.template = Objects.requireNonNull(template, "template");
    this.bosToken = bosToken == null ? "" : bosToken;
    this.eosToken = eosToken == null ? "" : eosToken;
    this.source = source;
    this.jinjava = newEngine();
  }

  /** A template given as text, with the BOS/EOS token strings it may refer to (null: empty). */
  public static ChatTemplate of(String template, String bosToken, String eosToken) {
    if (template == null || template.isBlank()) {
      throw new IllegalArgumentException("empty chat template");
    }
    return new ChatTemplate(template, bosToken, eosToken, "a chat template given as text");
  }

  /**
   * The chat template of the model in {@code modelDir}, if its {@value #CONFIG_FILE} has one. A
   * {@code chat_template} that is a list of named templates (as some models ship) yields the one
   * named {@code default}.
   *
   * @throws ModelFormatException naming the file and field if the file or the field is malformed
   */
  public static Optional<ChatTemplate> load(Path modelDir) throws IOException {
    Path file = modelDir.resolve(CONFIG_FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(file.toFile());
    } catch (JacksonException e) {
      throw new ModelFormatException(file, "not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new ModelFormatException(file, "not a JSON object");
    }
    JsonNode node = root.get("chat_template");
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    String text;
    if (node.isTextual()) {
      text = node.asText();
    } else if (node.isArray()) {
      text = null;
      for (JsonNode named : node) {
        if ("default".equals(named.path("name").asText()) && named.path("template").isTextual()) {
          text = named.get("template").asText();
        }
      }
      if (text == null) {
        throw new ModelFormatException(
            file, "field chat_template: a list of named templates without one named 'default'");
      }
    } else {
      throw new ModelFormatException(
          file, "field chat_template: a " + node.getNodeType() + ", expected a string");
    }
    if (text.isBlank()) {
      throw new ModelFormatException(file, "field chat_template: empty");
    }
    return Optional.of(
        new ChatTemplate(
            text, token(root.get("bos_token")), token(root.get("eos_token")), file.toString()));
  }

  /**
   * As {@link #load}, for callers that cannot go on without a template.
   *
   * @throws IOException naming the file, and what to do instead, if the model has no template
   */
  public static ChatTemplate require(Path modelDir) throws IOException {
    return load(modelDir)
        .orElseThrow(
            () ->
                new IOException(
                    modelDir.resolve(CONFIG_FILE)
                        + " has no chat_template: this model has no chat format (a base model, not"
                        + " an instruct one); send plain completions instead of chat messages, or"
                        + " add a chat_template to that file"));
  }

  /** The template text. */
  public String template() {
    return template;
  }

  /**
   * Renders {@code messages} to the model's prompt text; with {@code addGenerationPrompt}, the text
   * ends with what opens the assistant's turn (templates that support it).
   *
   * @throws IllegalArgumentException with the template's own message when the template rejects the
   *     conversation (its {@code raise_exception}, e.g. roles that do not alternate), or naming the
   *     source when the template itself is malformed
   */
  public String render(List<Message> messages, boolean addGenerationPrompt) {
    if (messages == null || messages.isEmpty()) {
      throw new IllegalArgumentException("a chat needs at least one message");
    }
    List<Map<String, Object>> list = new ArrayList<>();
    for (Message m : messages) {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("role", m.role());
      map.put("content", m.content());
      list.add(map);
    }
    Map<String, Object> vars = new LinkedHashMap<>();
    vars.put("messages", list);
    vars.put("add_generation_prompt", addGenerationPrompt);
    vars.put("bos_token", bosToken);
    vars.put("eos_token", eosToken);
    RenderResult result = jinjava.renderForResult(template, vars);
    for (TemplateError error : result.getErrors()) {
      Throwable cause = error.getException();
      while (cause != null) {
        if (cause instanceof RaisedByTemplate raised) {
          throw new IllegalArgumentException(
              "the model's chat template rejects this conversation: " + raised.getMessage());
        }
        cause = cause.getCause();
      }
      if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw new IllegalArgumentException(
            "cannot render the chat template of "
                + source
                + ": "
                + error.getMessage()
                + (error.getLineno() > 0 ? " (template line " + error.getLineno() + ")" : ""));
      }
    }
    return result.getOutput();
  }

  private static String token(JsonNode node) {
    if (node != null && node.isObject()) {
      node = node.get("content"); // {"__type": "AddedToken", "content": "<s>", ...}
    }
    return node != null && node.isTextual() ? node.asText() : "";
  }

  private static Jinjava newEngine() {
    JinjavaConfig config =
        JinjavaConfig.newBuilder()
            .withTrimBlocks(true)
            .withLstripBlocks(true)
            .withFailOnUnknownTokens(false)
            .withLegacyOverrides(
                LegacyOverrides.newBuilder()
                    .withParseWhitespaceControlStrictly(true)
                    .withUseTrimmingForNotesAndExpressions(true)
                    .withKeepNullableLoopValues(true)
                    .build())
            .build();
    Jinjava engine = new Jinjava(config);
    engine
        .getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "raise_exception", ChatTemplate.class, "raiseException", String.class));
    return engine;
  }

  /** The {@code raise_exception} of transformers' template environment. */
  public static String raiseException(String message) {
    throw new RaisedByTemplate(message);
  }

  private static final class RaisedByTemplate extends RuntimeException {
    RaisedByTemplate(String message) {
      super(message, null, false, false);
    }
  }
}
