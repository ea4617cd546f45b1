/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.persona4j.adapters.plora.FewShotEnrolment;
import io.persona4j.adapters.plora.UserVectorFile;
import io.persona4j.serve.adapter.AdapterCache;
import io.persona4j.serve.adapter.AdapterPublisher;
import io.persona4j.serve.adapter.AdapterRef;
import io.persona4j.serve.adapter.PLoraUser;
import io.persona4j.serve.classify.ClassifierService;
import io.persona4j.serve.classify.PLoraClassifierService;
import io.persona4j.serve.openai.ApiException;
import io.persona4j.serve.openai.OpenAiJson;
import io.persona4j.serve.store.UserIds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;

/**
 * The endpoints of a server of one shared PLoRA adapter:
 *
 * <ul>
 *   <li>{@code POST /v1/classify} {@code {"model", "user"?, "input": text | [texts]}}: the user's
 *       vector from the store (kind {@code user_vector}; else from the adapter's own table of
 *       trained users); without a user or a vector, zero-shot, which the response says ({@code
 *       "mode": "zero-shot"});
 *   <li>{@code POST /v1/users/{id}/examples} {@code {"examples": [{"text", "label"}], "steps"?}}:
 *       online few-shot enrolment: the server fits only the user's vector, publishes it to the
 *       store as the user's next {@code user_vector} version and answers once it is loaded, so the
 *       next request is served with it.
 * </ul>
 */
final class PLoraEndpoints {
  /** Texts per classify request at most. */
  static final int MAX_INPUTS = ClassifyEndpoint.MAX_INPUTS;

  /** Examples per enrolment at most. */
  static final int MAX_EXAMPLES = 256;

  /** Steps of an enrolment at most (it must take seconds, not minutes). */
  static final int MAX_STEPS = 200;

  private final ServerContext ctx;
  private final PLoraClassifierService plora;
  private final FewShotEnrolment.Config enrolment;

  PLoraEndpoints(
      ServerContext ctx, PLoraClassifierService plora, FewShotEnrolment.Config enrolment) {
    this.ctx = ctx;
    this.plora = plora;
    this.enrolment = enrolment;
  }

  void classify(ServerRequest req, ServerResponse res) throws InterruptedException, IOException {
    ApiKeys.Principal p = ctx.authenticate(req);
    ObjectNode body = HttpSupport.readJson(req, ctx.maxBodyBytes());
    if (body.hasNonNull("model")) {
      ctx.checkModel(body.get("model").asText());
    }
    JsonNode u = body.get("user");
    if (u != null && !u.isNull() && !u.isTextual()) {
      throw ApiException.invalid("user", "user must be a string");
    }
    String user = ctx.effectiveUser(p, u == null || u.isNull() ? null : u.asText());
    List<String> texts = ClassifyEndpoint.inputs(body.get("input"));
    Optional<AdapterRef> ref = user == null ? Optional.empty() : ctx.activeAdapter(user);
    List<ClassifierService.Result> results;
    String source;
    if (ref.isPresent()) {
      try (AdapterCache.Lease lease = ctx.cache().acquire(ref.get(), ctx.loadTimeout())) {
        PLoraUser pu = lease.get().plora();
        if (pu == null) {
          throw ApiException.server("the entry " + ref.get().label() + " is not a user vector");
        }
        results = plora.classify(rows(texts, pu));
        source = ref.get().label();
      } catch (TimeoutException e) {
        throw ApiException.unavailable(
            "the user vector " + ref.get().label() + " is still loading", 1);
      } catch (IOException e) {
        throw ApiException.server(
            "the user vector " + ref.get().label() + " cannot be served: " + e.getMessage());
      }
    } else {
      PLoraUser table = user == null ? null : plora.tableUser(user);
      results = plora.classify(rows(texts, table));
      source = table == null ? null : "adapter table";
    }
    ObjectNode out = OpenAiJson.JSON.createObjectNode();
    out.put("id", OpenAiJson.newId("clf"));
    out.put("object", "list");
    out.put("model", ctx.modelId());
    out.put("adapter", "plora");
    if (user == null) {
      out.putNull("user");
    } else {
      out.put("user", user);
    }
    out.put("mode", source == null ? "zero-shot" : "personalized");
    if (source == null) {
      out.putNull("user_vector");
    } else {
      out.put("user_vector", source);
    }
    ClassifyEndpoint.putResults(out.putArray("data"), results);
    if (ref.isPresent()) {
      res.header(GenerationEndpoints.ADAPTER_HEADER, ref.get().label());
    }
    HttpSupport.json(res, 200, out);
  }

  /** {@code POST /v1/users/{id}/examples}. */
  void enrol(ServerRequest req, ServerResponse res) throws InterruptedException, IOException {
    long start = System.nanoTime();
    ApiKeys.Principal p = ctx.authenticate(req);
    String id = req.path().pathParameters().get("id");
    if (!UserIds.isValid(id)) {
      try {
        UserIds.check(id);
      } catch (IllegalArgumentException e) {
        throw ApiException.invalid("id", e.getMessage());
      }
    }
    String user = ctx.effectiveUser(p, id);
    if (!(ctx.source() instanceof AdapterPublisher publisher)) {
      throw ApiException.notFound(
          null, "this server's user vectors come from a source that cannot publish", "not_found");
    }
    ObjectNode body = HttpSupport.readJson(req, ctx.maxBodyBytes());
    JsonNode examples = body.get("examples");
    if (examples == null || !examples.isArray() || examples.isEmpty()) {
      throw ApiException.invalid(
          "examples", "examples must be a non-empty list of {\"text\", \"label\"} objects");
    }
    if (examples.size() > MAX_EXAMPLES) {
      throw ApiException.invalid(
          "examples", "at most " + MAX_EXAMPLES + " examples, got " + examples.size());
    }
    List<String> labels = plora.labels();
    List<String> texts = new ArrayList<>();
    int[] y = new int[examples.size()];
    for (int i = 0; i < examples.size(); i++) {
      JsonNode e = examples.get(i);
      String where = "examples[" + i + "]";
      if (!e.isObject()) {
        throw ApiException.invalid(where, where + " must be an object {\"text\", \"label\"}");
      }
      for (var it = e.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!f.equals("text") && !f.equals("label")) {
          throw ApiException.invalid(where + "." + f, where + ": unknown field '" + f + "'");
        }
      }
      JsonNode text = e.get("text");
      if (text == null || !text.isTextual() || text.asText().isBlank()) {
        throw ApiException.invalid(where + ".text", where + ".text must be a non-empty string");
      }
      texts.add(text.asText());
      y[i] = label(e.get("label"), labels, where + ".label");
    }
    FewShotEnrolment.Config config = enrolment;
    JsonNode steps = body.get("steps");
    if (steps != null && !steps.isNull()) {
      if (!steps.canConvertToExactIntegral() || steps.asInt() < 1 || steps.asInt() > MAX_STEPS) {
        throw ApiException.invalid("steps", "steps must be an integer in [1, " + MAX_STEPS + "]");
      }
      config = config.toBuilder().optSteps(steps.asInt()).build();
    }
    PLoraClassifierService.Enrolled enrolled = plora.enrol(user, texts, y, config);
    Map<String, byte[]> files = new TreeMap<>();
    Path tmp = Files.createTempDirectory("persona4j-enrol-");
    try {
      enrolled.entry().write(tmp);
      files.put(
          UserVectorFile.FILE_NAME, Files.readAllBytes(tmp.resolve(UserVectorFile.FILE_NAME)));
    } finally {
      Files.deleteIfExists(tmp.resolve(UserVectorFile.FILE_NAME));
      Files.deleteIfExists(tmp);
    }
    AdapterPublisher.Published published;
    try {
      published =
          publisher.publish(
              user,
              files,
              "enrolled online from " + texts.size() + " examples (" + config.steps() + " steps)");
    } catch (IllegalArgumentException e) {
      throw ApiException.server("the fitted vector was refused by the store: " + e.getMessage());
    }
    // Live before answering: the next request for this user is served with the new vector.
    try (AdapterCache.Lease lease = ctx.cache().acquire(published.ref(), ctx.loadTimeout())) {
      lease.get();
    } catch (TimeoutException e) {
      throw ApiException.unavailable(
          "the vector " + published.ref().label() + " was published but is still loading", 1);
    }
    ObjectNode out = OpenAiJson.JSON.createObjectNode();
    out.put("object", "user_vector");
    out.put("user", user);
    out.put("version", published.ref().version());
    out.put("user_vector", published.ref().label());
    out.put("examples", texts.size());
    out.put("steps", enrolled.fit().steps());
    out.put("loss_first", enrolled.fit().firstLoss());
    out.put("loss_final", enrolled.fit().finalLoss());
    out.put("fit_seconds", enrolled.fit().seconds());
    out.put("seconds", (System.nanoTime() - start) / 1e9);
    out.put("status", "live");
    HttpSupport.json(res, 201, out);
  }

  private static int label(JsonNode v, List<String> labels, String where) {
    if (v == null || v.isNull()) {
      throw ApiException.invalid(where, where + " is required (one of " + labels + ")");
    }
    if (v.isTextual()) {
      int i = labels.indexOf(v.asText());
      if (i < 0) {
        throw ApiException.invalid(
            where, where + " '" + v.asText() + "' is not one of the labels " + labels);
      }
      return i;
    }
    if (v.canConvertToExactIntegral() && v.asInt() >= 0 && v.asInt() < labels.size()) {
      return v.asInt();
    }
    throw ApiException.invalid(
        where,
        where + " must be a label name " + labels + " or an index in [0, " + labels.size() + ")");
  }

  private static List<PLoraClassifierService.Row> rows(List<String> texts, PLoraUser user) {
    List<PLoraClassifierService.Row> rows = new ArrayList<>();
    texts.forEach(t -> rows.add(new PLoraClassifierService.Row(t, user)));
    return rows;
  }
}
