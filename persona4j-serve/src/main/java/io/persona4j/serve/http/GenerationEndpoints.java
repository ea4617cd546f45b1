/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.persona4j.core.generate.batch.QueueFullException;
import io.persona4j.serve.adapter.AdapterCache;
import io.persona4j.serve.adapter.AdapterRef;
import io.persona4j.serve.generate.DecoderService;
import io.persona4j.serve.generate.TextGeneration;
import io.persona4j.serve.openai.ApiException;
import io.persona4j.serve.openai.ChatRequest;
import io.persona4j.serve.openai.CompletionRequest;
import io.persona4j.serve.openai.GenerationParams;
import io.persona4j.serve.openai.OpenAiJson;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/completions} and {@code POST /v1/chat/completions}: OpenAI's request and response
 * formats, streamed as server-sent events exactly as OpenAI sends them ({@code data: {chunk}}
 * lines, a last chunk with the finish reason, optionally a usage chunk, then {@code data: [DONE]}).
 * The {@code user} field selects that user's active adapter (none: the base model); the {@value
 * #ADAPTER_HEADER} response header names the adapter version that answered.
 */
final class GenerationEndpoints {
  private static final Logger LOG = LoggerFactory.getLogger(GenerationEndpoints.class);

  /** Names the adapter version used ({@code user@version}) or {@code base}. */
  static final String ADAPTER_HEADER = "X-Persona4j-Adapter";

  private final ServerContext ctx;
  private final DecoderService decoder;

  GenerationEndpoints(ServerContext ctx, DecoderService decoder) {
    this.ctx = ctx;
    this.decoder = decoder;
  }

  void completions(ServerRequest req, ServerResponse res) {
    long t0 = System.nanoTime();
    ApiKeys.Principal p = ctx.authenticate(req);
    CompletionRequest r = CompletionRequest.parse(HttpSupport.readJson(req, ctx.maxBodyBytes()));
    ctx.checkModel(r.model());
    String user = ctx.effectiveUser(p, r.params().user());
    long[] prompt = r.promptIds() != null ? r.promptIds() : decoder.encode(r.promptText());
    int vocab = decoder.model().config().vocabSize();
    for (long id : prompt) {
      if (id >= vocab) {
        throw ApiException.invalid(
            "prompt", "prompt token id " + id + " is outside the vocabulary [0, " + vocab + ")");
      }
    }
    if (prompt.length == 0) {
      throw ApiException.invalid("prompt", "the prompt is empty");
    }
    int maxTokens = checkLengths(prompt.length, r.params(), "prompt", false);
    run(req, res, t0, prompt, maxTokens, r.params(), user, false);
  }

  void chat(ServerRequest req, ServerResponse res) {
    long t0 = System.nanoTime();
    ApiKeys.Principal p = ctx.authenticate(req);
    ChatRequest r = ChatRequest.parse(HttpSupport.readJson(req, ctx.maxBodyBytes()));
    ctx.checkModel(r.model());
    String user = ctx.effectiveUser(p, r.params().user());
    if (decoder.chatTemplate().isEmpty()) {
      throw ApiException.invalid(
          "messages",
          "the model '"
              + ctx.modelId()
              + "' has no chat template (no chat_template in its tokenizer_config.json): it is a"
              + " base model, not an instruct one; use /v1/completions with a plain prompt",
          "chat_template_missing");
    }
    long[] prompt;
    try {
      prompt = decoder.encodeChat(r.messages());
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid("messages", e.getMessage());
    }
    int maxTokens = checkLengths(prompt.length, r.params(), "messages", true);
    run(req, res, t0, prompt, maxTokens, r.params(), user, true);
  }

  /** Checks the prompt and token limits; returns {@code max_tokens} with the default applied. */
  private int checkLengths(int promptTokens, GenerationParams g, String promptField, boolean chat) {
    int context = decoder.maxSequenceLength();
    if (promptTokens > ctx.maxPromptTokens() || promptTokens >= context) {
      throw ApiException.invalid(
          promptField,
          "the prompt has "
              + promptTokens
              + " tokens; this server accepts at most "
              + Math.min(ctx.maxPromptTokens(), context - 1)
              + " prompt tokens (the model's context is "
              + context
              + ")",
          "context_length_exceeded");
    }
    String field = "max_tokens";
    int maxTokens;
    if (g.maxTokens() == null) {
      int dflt = chat ? ctx.maxTokens() : CompletionRequest.DEFAULT_MAX_TOKENS;
      maxTokens = Math.max(1, Math.min(dflt, context - promptTokens));
    } else {
      maxTokens = g.maxTokens();
      if (maxTokens > ctx.maxTokens()) {
        throw ApiException.invalid(
            field, field + " is " + maxTokens + "; this server allows at most " + ctx.maxTokens());
      }
      if (promptTokens + maxTokens > context) {
        throw ApiException.invalid(
            field,
            "This model's maximum context length is "
                + context
                + " tokens. However, you requested "
                + (promptTokens + maxTokens)
                + " tokens ("
                + promptTokens
                + " in the prompt, "
                + maxTokens
                + " for the completion). Please reduce the prompt or "
                + field
                + ".",
            "context_length_exceeded");
      }
    }
    return maxTokens;
  }

  private void run(
      ServerRequest req,
      ServerResponse res,
      long t0,
      long[] prompt,
      int maxTokens,
      GenerationParams g,
      String user,
      boolean chat) {
    Optional<AdapterRef> ref = ctx.activeAdapter(user);
    AdapterCache.Lease lease = null;
    String kind = "base";
    if (ref.isPresent()) {
      kind = ctx.cache().isLoaded(ref.get()) ? "warm" : "cold";
      try {
        lease = ctx.cache().acquire(ref.get(), ctx.loadTimeout());
      } catch (TimeoutException e) {
        ctx.metrics().rejected.labelValues("adapter_load_timeout").inc();
        throw ApiException.unavailable(
            "the adapter " + ref.get().label() + " is still loading; retry shortly", 1);
      } catch (IOException e) {
        throw ApiException.server(
            "the adapter "
                + ref.get().label()
                + " of user '"
                + user
                + "' cannot be served: "
                + e.getMessage());
      }
    }
    TextGeneration gen;
    try {
      long seed = g.seed() != null ? g.seed() : ThreadLocalRandom.current().nextLong();
      gen =
          decoder.start(
              prompt,
              maxTokens,
              g.temperature(),
              g.topP(),
              seed,
              g.stop(),
              lease == null ? null : lease.get().lora());
    } catch (QueueFullException e) {
      if (lease != null) {
        lease.close();
      }
      ctx.metrics().rejected.labelValues("queue_full").inc();
      throw ApiException.overloaded(
          "the server is at capacity ("
              + e.queued()
              + " requests waiting); retry after the Retry-After delay",
          1);
    } catch (IllegalArgumentException e) {
      if (lease != null) {
        lease.close();
      }
      throw ApiException.invalid("prompt", e.getMessage());
    }
    if (lease != null) {
      AdapterCache.Lease l = lease;
      gen.finished().whenComplete((x, e) -> l.close()); // held while the engine may use it
    }
    ctx.metrics().promptTokens.inc(prompt.length);
    res.header(ADAPTER_HEADER, ref.map(AdapterRef::label).orElse("base"));
    res.header(HeaderNames.create("x-request-id"), OpenAiJson.newId("req"));
    OpenAiJson.Meta meta =
        new OpenAiJson.Meta(
            OpenAiJson.newId(chat ? "chatcmpl" : "cmpl"),
            System.currentTimeMillis() / 1000,
            ctx.modelId(),
            ctx.fingerprint());
    try {
      if (g.stream()) {
        stream(res, gen, meta, chat, g.includeUsage(), t0, kind);
      } else {
        String text = gen.all();
        observeFirstToken(gen, t0, kind);
        ObjectNode body =
            chat
                ? OpenAiJson.chat(
                    meta, text, gen.finishReason(), gen.promptTokens(), gen.completionTokens())
                : OpenAiJson.completion(
                    meta, text, gen.finishReason(), gen.promptTokens(), gen.completionTokens());
        ctx.metrics().generatedTokens.inc(gen.completionTokens());
        try {
          HttpSupport.json(res, 200, body);
        } catch (RuntimeException e) {
          ctx.metrics().cancelled.inc(); // the client left before the answer was ready
          throw e;
        }
      }
    } catch (InterruptedException e) {
      gen.cancel();
      Thread.currentThread().interrupt();
    } catch (TextGeneration.GenerationException e) {
      throw ApiException.server(e.getMessage());
    } finally {
      gen.cancel(); // no-op if it finished; frees the slot if the request ended early
    }
  }

  private void observeFirstToken(TextGeneration gen, long t0, String kind) {
    if (gen.firstTokenNanos() != 0) {
      ctx.metrics().timeToFirstToken.labelValues(kind).observe((gen.firstTokenNanos() - t0) / 1e9);
    }
  }

  /** Server-sent events as OpenAI streams them. A failed write means the client left. */
  private void stream(
      ServerResponse res,
      TextGeneration gen,
      OpenAiJson.Meta meta,
      boolean chat,
      boolean usage,
      long t0,
      String kind)
      throws InterruptedException {
    res.status(200);
    res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
    res.header(HeaderNames.CACHE_CONTROL, "no-cache");
    OutputStream out = res.outputStream();
    try {
      if (chat) {
        event(out, OpenAiJson.chatChunk(meta, "assistant", "", null));
      }
      boolean first = true;
      for (String piece = gen.next(); piece != null; piece = gen.next()) {
        if (first) {
          observeFirstToken(gen, t0, kind);
          first = false;
        }
        event(
            out,
            chat
                ? OpenAiJson.chatChunk(meta, null, piece, null)
                : OpenAiJson.completionChunk(meta, piece, null));
      }
      if (first) {
        observeFirstToken(gen, t0, kind);
      }
      event(
          out,
          chat
              ? OpenAiJson.chatChunk(meta, null, null, gen.finishReason())
              : OpenAiJson.completionChunk(meta, "", gen.finishReason()));
      if (usage) {
        event(
            out,
            OpenAiJson.usageChunk(
                meta,
                chat ? "chat.completion.chunk" : "text_completion",
                gen.promptTokens(),
                gen.completionTokens()));
      }
      write(out, "data: [DONE]\n\n");
      ctx.metrics().generatedTokens.inc(gen.completionTokens());
      out.close();
    } catch (ClientGone e) {
      gen.cancel();
      ctx.metrics().cancelled.inc();
      ctx.metrics().generatedTokens.inc(gen.completionTokens());
      LOG.debug("client left during a stream; sequence {} cancelled", gen.sequence().id());
    } catch (TextGeneration.GenerationException e) {
      try {
        event(out, ApiException.server(e.getMessage()).toJson());
        out.close();
      } catch (ClientGone | IOException ignored) {
        // nobody to tell
      }
    } catch (IOException e) {
      gen.cancel();
      ctx.metrics().cancelled.inc();
    }
  }

  private static void event(OutputStream out, JsonNode data) {
    write(out, "data: " + data.toString() + "\n\n");
  }

  private static void write(OutputStream out, String s) {
    try {
      out.write(s.getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (IOException | RuntimeException e) {
      throw new ClientGone(e);
    }
  }

  /** Writing to the client failed: it disconnected. */
  private static final class ClientGone extends RuntimeException {
    ClientGone(Throwable cause) {
      super(cause);
    }
  }
}
