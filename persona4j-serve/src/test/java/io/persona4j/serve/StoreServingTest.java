/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.persona4j.serve.adapter.AdapterRef;
import io.persona4j.serve.adapter.StoreUserAdapters;
import io.persona4j.serve.store.AdapterKind;
import io.persona4j.serve.store.AdapterStore;
import io.persona4j.serve.store.BaseModel;
import io.persona4j.serve.store.LocalPostgres;
import io.persona4j.serve.store.PublishRequest;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Serving from the adapter store: SQLite (the embedded default) and PostgreSQL with two servers on
 * one store, where a version published through the store reaches both within a second (the store's
 * change feed: PostgreSQL LISTEN/NOTIFY), without a restart.
 */
class StoreServingTest {
  @TempDir Path dir;

  static Map<String, Object> completion(String user) {
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("model", "tiny");
    b.put("prompt", "Hello");
    b.put("max_tokens", 8);
    b.put("temperature", 0);
    b.put("user", user);
    return b;
  }

  static long publish(AdapterStore store, String user, Path adapter, BaseModel base)
      throws Exception {
    return store
        .publish(
            PublishRequest.builder()
                .setUserId(user)
                .setDirectory(adapter)
                .setBaseModel(base)
                .optKind(AdapterKind.LORA)
                .build())
        .entry()
        .version();
  }

  @Test
  void servesFromTheSqliteStoreAndFollowsPublishRollbackAndErasure() throws Exception {
    Path model = ServeFixtures.model(dir.resolve("tiny"), false);
    Path a1 = ServeFixtures.adapter(model, 4, 1, dir.resolve("a1"));
    Path a2 = ServeFixtures.adapter(model, 8, 2, dir.resolve("a2"));
    BaseModel base = BaseModel.of(model);
    String url = "jdbc:sqlite:" + dir.resolve("store.db");
    try (AdapterStore store = AdapterStore.open(url);
        StoreUserAdapters users =
            new StoreUserAdapters(AdapterStore.open(url), AdapterKind.LORA, true);
        PersonaServer server =
            PersonaServer.builder().setModel(model).setUserAdapters(users).optPort(0).start()) {
      publish(store, "alice", a1, base);
      HttpTestClient http = new HttpTestClient(server.url());
      HttpTestClient.Response r = http.post("/v1/completions", completion("alice"));
      assertThat(r.header("X-Persona4j-Adapter")).isEqualTo("alice@1");
      assertThat(r.json().path("choices").get(0).path("text").asText())
          .isEqualTo(ServeFixtures.generate(model, a1, "Hello", 8, 0f, 0));

      long v2 = publish(store, "alice", a2, base);
      AdapterRef ref2 = users.active("alice").orElseThrow();
      assertThat(ref2.version()).isEqualTo(v2);
      awaitLoaded(server, ref2, 5_000); // the change feed made the cache load it
      r = http.post("/v1/completions", completion("alice"));
      assertThat(r.header("X-Persona4j-Adapter")).isEqualTo("alice@2");
      assertThat(r.json().path("choices").get(0).path("text").asText())
          .isEqualTo(ServeFixtures.generate(model, a2, "Hello", 8, 0f, 0));

      store.rollback("alice", AdapterKind.LORA, 1);
      assertThat(http.post("/v1/completions", completion("alice")).header("X-Persona4j-Adapter"))
          .isEqualTo("alice@1");
      store.deleteUser("alice");
      assertThat(http.post("/v1/completions", completion("alice")).header("X-Persona4j-Adapter"))
          .isEqualTo("base");
      assertThat(users.users()).isEmpty();
    }
  }

  @Test
  void twoServersOnOnePostgresStoreServeANewVersionWithinASecond() throws Exception {
    Path model = ServeFixtures.model(dir.resolve("tiny"), false);
    Path a1 = ServeFixtures.adapter(model, 4, 1, dir.resolve("a1"));
    Path a2 = ServeFixtures.adapter(model, 4, 2, dir.resolve("a2"));
    BaseModel base = BaseModel.of(model);
    try (LocalPostgres pg = LocalPostgres.builder().optFsync(false).build()) {
      pg.createDatabase("serving");
      try (AdapterStore publisher = AdapterStore.open(pg.storeConfig("serving").build());
          StoreUserAdapters u1 =
              new StoreUserAdapters(
                  AdapterStore.open(pg.storeConfig("serving").build()), AdapterKind.LORA, true);
          StoreUserAdapters u2 =
              new StoreUserAdapters(
                  AdapterStore.open(pg.storeConfig("serving").build()), AdapterKind.LORA, true);
          PersonaServer s1 =
              PersonaServer.builder().setModel(model).setUserAdapters(u1).optPort(0).start();
          PersonaServer s2 =
              PersonaServer.builder().setModel(model).setUserAdapters(u2).optPort(0).start()) {
        publish(publisher, "bob", a1, base);
        for (PersonaServer s : new PersonaServer[] {s1, s2}) {
          assertThat(
                  new HttpTestClient(s.url())
                      .post("/v1/completions", completion("bob"))
                      .header("X-Persona4j-Adapter"))
              .isEqualTo("bob@1");
        }
        long t0 = System.nanoTime();
        publish(publisher, "bob", a2, base);
        AdapterRef v2 = u1.active("bob").orElseThrow();
        awaitLoaded(s1, v2, 1_000);
        awaitLoaded(s2, v2, 1_000);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(seconds).isLessThan(1.0);
        for (PersonaServer s : new PersonaServer[] {s1, s2}) {
          HttpTestClient.Response r =
              new HttpTestClient(s.url()).post("/v1/completions", completion("bob"));
          assertThat(r.header("X-Persona4j-Adapter")).isEqualTo("bob@2");
          assertThat(r.json().path("choices").get(0).path("text").asText())
              .isEqualTo(ServeFixtures.generate(model, a2, "Hello", 8, 0f, 0));
        }
      }
    }
  }

  static void awaitLoaded(PersonaServer s, AdapterRef ref, long millis)
      throws InterruptedException {
    long deadline = System.nanoTime() + millis * 1_000_000L;
    while (!s.cache().isLoaded(ref) && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(s.cache().isLoaded(ref)).as("%s loaded within %d ms", ref.label(), millis).isTrue();
  }
}
