/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.persona4j.adapters.plora.FewShotEnrolment;
import io.persona4j.serve.adapter.AdapterPublisher;
import io.persona4j.serve.adapter.AdapterRef;
import io.persona4j.serve.classify.ClassifierService;
import io.persona4j.serve.classify.PLoraClassifierService;
import io.persona4j.serve.generate.DecoderService;
import io.persona4j.serve.openai.ApiException;
import io.persona4j.serve.openai.OpenAiJson;
import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's routes. OpenAI's: {@code GET /v1/models}, {@code POST /v1/completions}, {@code POST
 * /v1/chat/completions} (decoders); {@code POST /v1/classify} (encoders). Operations: {@code
 * /health} (the process is up), {@code /ready} (the model is loaded and the engine runs), {@code
 * /metrics} (Prometheus). The web page at {@code /} and the user list it shows ({@code GET
 * /persona4j/users}). Admin (an admin key): {@code GET /admin/cache}, {@code POST /admin/pin} and
 * {@code /admin/unpin} with {@code {"user"}}, {@code POST /admin/adapters} (publish). Everything
 * else: an OpenAI-style 404.
 */
public final class Routes {
  private static final Logger LOG = LoggerFactory.getLogger(Routes.class);
  private static final String PAGE = "/io/persona4j/serve/web/index.html";

  private final ServerContext ctx;
  private final DecoderService decoder;
  private final ClassifierService classifier;
  private final PLoraClassifierService plora;
  private final FewShotEnrolment.Config enrolment;

  public Routes(ServerContext ctx, DecoderService decoder, ClassifierService classifier) {
    this(ctx, decoder, classifier, null, null);
  }

  /**
   * With a shared PLoRA adapter served instead of per-user classifiers ({@code plora} non-null):
   * {@code /v1/classify} conditions on user vectors and {@code POST /v1/users/{id}/examples} enrols
   * new users with {@code enrolment}'s settings.
   */
  public Routes(
      ServerContext ctx,
      DecoderService decoder,
      ClassifierService classifier,
      PLoraClassifierService plora,
      FewShotEnrolment.Config enrolment) {
    this.ctx = ctx;
    this.decoder = decoder;
    this.classifier = classifier;
    this.plora = plora;
    this.enrolment = enrolment;
  }

  public void register(HttpRouting.Builder r) {
    GenerationEndpoints gen = decoder == null ? null : new GenerationEndpoints(ctx, decoder);
    ClassifyEndpoint cls = classifier == null ? null : new ClassifyEndpoint(ctx, classifier);
    PLoraEndpoints pl = plora == null ? null : new PLoraEndpoints(ctx, plora, enrolment);
    r.get("/health", wrap("health", (req, res) -> ok(res, "ok")));
    r.get("/ready", wrap("ready", this::ready));
    r.get("/metrics", wrap("metrics", this::metrics));
    r.get("/", wrap("page", this::page));
    r.get("/index.html", wrap("page", this::page));
    r.get("/v1/models", wrap("models", this::models));
    r.get("/v1/models/{id}", wrap("models", this::model));
    r.post(
        "/v1/completions",
        wrap("completions", gen != null ? gen::completions : decoderOnly("/v1/completions")));
    r.post(
        "/v1/chat/completions",
        wrap("chat", gen != null ? gen::chat : decoderOnly("/v1/chat/completions")));
    r.post(
        "/v1/classify",
        wrap("classify", pl != null ? pl::classify : cls != null ? cls::classify : encoderOnly()));
    r.post(
        "/v1/users/{id}/examples",
        wrap(
            "enrol",
            pl != null
                ? pl::enrol
                : (req, res) -> {
                  throw ApiException.notFound(
                      null,
                      "online enrolment needs a server of a shared PLoRA adapter (serve --plora"
                          + " DIR)",
                      "not_found");
                }));
    r.get("/persona4j/users", wrap("users", this::users));
    r.get("/admin/cache", wrap("admin", this::adminCache));
    r.post("/admin/pin", wrap("admin", (req, res) -> pin(req, res, true)));
    r.post("/admin/unpin", wrap("admin", (req, res) -> pin(req, res, false)));
    r.post("/admin/adapters", wrap("admin", this::publish));
    r.any(
        wrap(
            "other",
            (req, res) -> {
              throw ApiException.notFound(
                  null,
                  "no route for " + req.prologue().method().text() + " " + req.path().path(),
                  "not_found");
            }));
  }

  /** Errors as OpenAI's JSON, request counts and latency per endpoint. */
  private Handler wrap(String endpoint, Handler h) {
    return (req, res) -> {
      long t0 = System.nanoTime();
      try {
        h.handle(req, res);
      } catch (ApiException e) {
        if (!res.isSent()) {
          HttpSupport.error(res, e);
        }
      } catch (Exception e) {
        LOG.error("{} failed", endpoint, e);
        if (!res.isSent()) {
          HttpSupport.error(res, ApiException.server("internal error: " + e));
        }
      } finally {
        ctx.metrics().request(endpoint, res.status().code(), (System.nanoTime() - t0) / 1e9);
      }
    };
  }

  private static Handler decoderOnly(String path) {
    return (req, res) -> {
      throw ApiException.notFound(
          null,
          path + " needs a decoder; this server serves an encoder (use /v1/classify)",
          "not_found");
    };
  }

  private static Handler encoderOnly() {
    return (req, res) -> {
      throw ApiException.notFound(
          null, "/v1/classify needs an encoder (BERT); this server serves a decoder", "not_found");
    };
  }

  private static void ok(ServerResponse res, String status) {
    ObjectNode o = OpenAiJson.JSON.createObjectNode();
    o.put("status", status);
    HttpSupport.json(res, 200, o);
  }

  private void ready(ServerRequest req, ServerResponse res) {
    boolean up = decoder == null || decoder.engine().isRunning();
    if (!up) {
      throw ApiException.unavailable("the batch engine is not running", 5);
    }
    ok(res, "ready");
  }

  private void metrics(ServerRequest req, ServerResponse res) throws IOException {
    res.header(HeaderNames.CONTENT_TYPE, ctx.metrics().contentType());
    res.send(ctx.metrics().scrape());
  }

  private void page(ServerRequest req, ServerResponse res) throws IOException {
    try (InputStream in = Routes.class.getResourceAsStream(PAGE)) {
      if (in == null) {
        throw ApiException.server("the web page is missing from the jar");
      }
      res.header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
      res.header(HeaderNames.CACHE_CONTROL, "no-cache");
      res.send(in.readAllBytes());
    }
  }

  private void models(ServerRequest req, ServerResponse res) {
    ctx.authenticate(req);
    HttpSupport.json(res, 200, OpenAiJson.models(ctx.modelId(), ctx.created()));
  }

  private void model(ServerRequest req, ServerResponse res) {
    ctx.authenticate(req);
    String id = req.path().pathParameters().get("id");
    ctx.checkModel(id);
    HttpSupport.json(res, 200, OpenAiJson.model(ctx.modelId(), ctx.created()));
  }

  /** The users the caller may act for, with their active adapter (the page's list). */
  private void users(ServerRequest req, ServerResponse res) throws IOException {
    ApiKeys.Principal p = ctx.authenticate(req);
    List<String> users = p.role() == ApiKeys.Role.USER ? List.of(p.user()) : ctx.source().users();
    ObjectNode o = OpenAiJson.JSON.createObjectNode();
    o.put("object", "list");
    o.put("model", ctx.modelId());
    o.put("kind", decoder != null ? "decoder" : "encoder");
    ArrayNode data = o.putArray("data");
    for (String u : users) {
      Optional<AdapterRef> a = ctx.source().active(u);
      ObjectNode d = data.addObject();
      d.put("id", u);
      if (a.isPresent()) {
        d.put("adapter", a.get().label());
      } else {
        d.putNull("adapter");
      }
    }
    HttpSupport.json(res, 200, o);
  }

  private void adminCache(ServerRequest req, ServerResponse res) {
    requireAdmin(req);
    ObjectNode o = OpenAiJson.JSON.createObjectNode();
    o.put("budget_bytes", ctx.cache().budget());
    o.put("bytes", ctx.cache().bytes());
    o.set("adapters", OpenAiJson.JSON.valueToTree(ctx.cache().describe()));
    o.set("pinned_users", OpenAiJson.JSON.valueToTree(ctx.cache().pinnedUsers()));
    HttpSupport.json(res, 200, o);
  }

  private void pin(ServerRequest req, ServerResponse res, boolean pin) throws IOException {
    requireAdmin(req);
    ObjectNode body = HttpSupport.readJson(req, ctx.maxBodyBytes());
    String user = body.path("user").asText("");
    if (user.isEmpty()) {
      throw ApiException.invalid("user", "user is required");
    }
    if (pin) {
      ctx.cache().pinUser(user);
    } else {
      ctx.cache().unpinUser(user);
    }
    ok(res, pin ? "pinned" : "unpinned");
  }

  /**
   * {@code POST /admin/adapters}: {@code {"user", "files": {path: base64}, "note"}} becomes the
   * user's next active version (checked against the served base model, as {@code store put}).
   */
  private void publish(ServerRequest req, ServerResponse res) throws IOException {
    requireAdmin(req);
    if (!(ctx.source() instanceof AdapterPublisher publisher)) {
      throw ApiException.notFound(null, "this server's adapter source cannot publish", "not_found");
    }
    ObjectNode body = HttpSupport.readJson(req, ctx.maxUploadBytes());
    String user = body.path("user").asText("");
    if (user.isEmpty()) {
      throw ApiException.invalid("user", "user is required");
    }
    JsonNode files = body.get("files");
    if (files == null || !files.isObject() || files.isEmpty()) {
      throw ApiException.invalid("files", "files must map file names to base64 contents");
    }
    Map<String, byte[]> decoded = new TreeMap<>();
    for (Map.Entry<String, JsonNode> f : files.properties()) {
      try {
        decoded.put(f.getKey(), Base64.getDecoder().decode(f.getValue().asText("")));
      } catch (IllegalArgumentException e) {
        throw ApiException.invalid("files." + f.getKey(), "files." + f.getKey() + " is not base64");
      }
    }
    AdapterPublisher.Published p;
    try {
      p = publisher.publish(user, decoded, body.path("note").asText(null));
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid("files", e.getMessage());
    }
    ObjectNode o = OpenAiJson.JSON.createObjectNode();
    o.put("user", p.ref().user());
    o.put("version", p.ref().version());
    o.put("adapter", p.ref().label());
    o.set("warnings", OpenAiJson.JSON.valueToTree(p.warnings()));
    HttpSupport.json(res, 201, o);
  }

  private void requireAdmin(ServerRequest req) {
    ApiKeys.Principal p = ctx.authenticate(req);
    if (!p.admin()) {
      throw ApiException.forbidden(
          null,
          ctx.keys() == null
              ? "admin endpoints need an admin key (start the server with --api-keys)"
              : "this endpoint needs an admin key");
    }
  }
}
