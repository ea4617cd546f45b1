/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.persona4j.serve.adapter.AdapterCache;
import io.persona4j.serve.adapter.AdapterRef;
import io.persona4j.serve.classify.ClassifierService;
import io.persona4j.serve.openai.ApiException;
import io.persona4j.serve.openai.OpenAiJson;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * {@code POST /v1/classify} on an encoder: {@code {"model", "user", "input": text | [texts]}} to
 * labels and probabilities with that user's LoRA and head:
 *
 * <pre>{"id": "clf-...", "object": "list", "model": "...", "adapter": "alice@2",
 *  "data": [{"object": "classification", "index": 0, "label": "positive",
 *            "probabilities": {"negative": 0.08, "positive": 0.92}, "truncated": false}]}</pre>
 *
 * Texts longer than the encoder's positions are truncated (as {@code persona4j classify} does), and
 * say so.
 */
final class ClassifyEndpoint {
  /** Texts per request at most. */
  static final int MAX_INPUTS = 256;

  private final ServerContext ctx;
  private final ClassifierService classifier;

  ClassifyEndpoint(ServerContext ctx, ClassifierService classifier) {
    this.ctx = ctx;
    this.classifier = classifier;
  }

  void classify(ServerRequest req, ServerResponse res) throws InterruptedException {
    ApiKeys.Principal p = ctx.authenticate(req);
    ObjectNode body = HttpSupport.readJson(req, ctx.maxBodyBytes());
    if (body.hasNonNull("model")) {
      ctx.checkModel(body.get("model").asText());
    }
    JsonNode u = body.get("user");
    String requested = u == null || u.isNull() ? null : u.asText();
    String user = ctx.effectiveUser(p, requested);
    if (user == null) {
      throw ApiException.invalid(
          "user", "user is required: the labels and head come from that user's adapter");
    }
    List<String> texts = inputs(body.get("input"));
    AdapterRef ref =
        ctx.activeAdapter(user)
            .orElseThrow(
                () ->
                    ApiException.notFound(
                        "user",
                        "user '" + user + "' has no active adapter to classify with",
                        "adapter_not_found"));
    List<ClassifierService.Result> results;
    try (AdapterCache.Lease lease = ctx.cache().acquire(ref, ctx.loadTimeout())) {
      if (lease.get().classifier() == null) {
        throw ApiException.invalid(
            "user", "the adapter " + ref.label() + " is not a classification adapter");
      }
      results = classifier.classify(texts, lease.get());
    } catch (TimeoutException e) {
      throw ApiException.unavailable("the adapter " + ref.label() + " is still loading", 1);
    } catch (IOException e) {
      throw ApiException.server(
          "the adapter " + ref.label() + " cannot be served: " + e.getMessage());
    }
    ObjectNode out = OpenAiJson.JSON.createObjectNode();
    out.put("id", OpenAiJson.newId("clf"));
    out.put("object", "list");
    out.put("model", ctx.modelId());
    out.put("adapter", ref.label());
    putResults(out.putArray("data"), results);
    res.header(GenerationEndpoints.ADAPTER_HEADER, ref.label());
    HttpSupport.json(res, 200, out);
  }

  /** The results as OpenAI-style list items: object, index, label, probabilities, truncated. */
  static void putResults(ArrayNode data, List<ClassifierService.Result> results) {
    for (int i = 0; i < results.size(); i++) {
      ClassifierService.Result r = results.get(i);
      ObjectNode d = data.addObject();
      d.put("object", "classification");
      d.put("index", i);
      d.put("label", r.label());
      ObjectNode probs = d.putObject("probabilities");
      for (int c = 0; c < r.labels().size(); c++) {
        probs.put(r.labels().get(c), r.probabilities()[c]);
      }
      d.put("truncated", r.truncated());
    }
  }

  static List<String> inputs(JsonNode in) {
    List<String> texts = new ArrayList<>();
    if (in == null || in.isNull()) {
      throw ApiException.invalid("input", "input is required: a text or a list of texts");
    }
    if (in.isTextual()) {
      texts.add(in.asText());
    } else if (in.isArray()) {
      if (in.isEmpty() || in.size() > MAX_INPUTS) {
        throw ApiException.invalid(
            "input", "input must list 1 to " + MAX_INPUTS + " texts, got " + in.size());
      }
      for (int i = 0; i < in.size(); i++) {
        if (!in.get(i).isTextual()) {
          throw ApiException.invalid("input[" + i + "]", "input[" + i + "] must be a string");
        }
        texts.add(in.get(i).asText());
      }
    } else {
      throw ApiException.invalid("input", "input must be a string or a list of strings");
    }
    return texts;
  }
}
