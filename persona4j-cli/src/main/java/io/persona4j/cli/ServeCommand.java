/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.core.config.BertConfig;
import io.persona4j.core.config.ModelConfig;
import io.persona4j.core.config.ModelConfigs;
import io.persona4j.serve.PersonaServer;
import io.persona4j.serve.adapter.StoreUserAdapters;
import io.persona4j.serve.http.ApiKeys;
import io.persona4j.serve.store.AdapterKind;
import io.persona4j.serve.store.BaseModel;
import io.persona4j.serve.store.StoreConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code persona4j serve}: the OpenAI-compatible server of one base model with every user's adapter
 * from the store, batched together (see {@link PersonaServer}).
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Serve a base model to many users at once over an OpenAI-compatible HTTP API: each request's"
          + " 'user' gets that user's active adapter from the store (none: the base model), rows of"
          + " different users' adapters decode together in one batch.",
      "Decoders: POST /v1/completions, /v1/chat/completions, GET /v1/models. Encoders: POST"
          + " /v1/classify. Also /health, /ready, /metrics (Prometheus) and a web page at /.",
    })
final class ServeCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "DIR", description = "Base model.")
  Path model;

  @Mixin StoreCommand.StoreOption store;

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description = "Interface to bind (default ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
  String host;

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "Port (default ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @Option(
      names = "--api-keys",
      paramLabel = "FILE",
      description =
          "API keys file (persona4j api-key create). Without it the server answers anyone who"
              + " can reach it.")
  Path apiKeys;

  @Option(
      names = "--max-batch",
      defaultValue = "16",
      description = "Sequences decoded together (default ${DEFAULT-VALUE}).")
  int maxBatch;

  @Option(
      names = "--max-queue",
      defaultValue = "256",
      description = "Requests that may wait before 429 (default ${DEFAULT-VALUE}).")
  int maxQueue;

  @Option(
      names = "--adapter-cache-mb",
      defaultValue = "512",
      description = "Memory for loaded adapters, MiB (default ${DEFAULT-VALUE}).")
  long adapterCacheMb;

  @Option(
      names = "--max-prompt-tokens",
      defaultValue = "0",
      description = "Longest prompt accepted (default: the context).")
  int maxPromptTokens;

  @Option(
      names = "--max-tokens",
      defaultValue = "512",
      description = "Largest max_tokens accepted, and chat's default (default ${DEFAULT-VALUE}).")
  int maxTokens;

  @Option(
      names = "--max-seq-len",
      defaultValue = "0",
      description =
          "Prompt plus completion per request: the KV-cache slot length (default: the model's"
              + " max_position_embeddings).")
  int maxSeqLen;

  @Option(
      names = "--max-upload-mb",
      defaultValue = "64",
      description =
          "Largest adapter upload to POST /admin/adapters, MiB (default ${DEFAULT-VALUE}).")
  long maxUploadMb;

  @Option(names = "--model-id", description = "The model's name in the API (default: DIR's name).")
  String modelId;

  @Option(
      names = "--pin",
      split = ",",
      paramLabel = "USER",
      description = "Users whose adapters stay loaded (comma-separated).")
  List<String> pinned = List.of();

  @Option(
      names = "--plora",
      paramLabel = "DIR",
      description =
          "Encoders: serve this shared PLoRA adapter (persona4j train --method plora) for every"
              + " user; users' vectors come from the store (kind user_vector, else the adapter's"
              + " own table; none: zero-shot), POST /v1/users/{id}/examples enrols a new user.")
  Path plora;

  @Option(
      names = "--enrol-steps",
      defaultValue = "30",
      description = "PLoRA: steps of an online enrolment (default ${DEFAULT-VALUE}).")
  int enrolSteps;

  @Option(
      names = "--enrol-lr",
      defaultValue = "0.01",
      description = "PLoRA: learning rate of an online enrolment (default ${DEFAULT-VALUE}).")
  double enrolLr;

  @Override
  public Integer call() throws Exception {
    ModelConfig config = ModelConfigs.load(model);
    if (plora != null && !(config instanceof BertConfig)) {
      throw new IllegalArgumentException("--plora needs a BERT encoder --model");
    }
    AdapterKind kind =
        plora != null
            ? AdapterKind.USER_VECTOR
            : config instanceof BertConfig ? AdapterKind.CLASSIFIER : AdapterKind.LORA;
    ApiKeys keys = apiKeys == null ? null : ApiKeys.load(apiKeys);
    try (StoreUserAdapters users =
            new StoreUserAdapters(
                io.persona4j.serve.store.AdapterStore.open(store.url()), kind, true);
        PersonaServer server =
            PersonaServer.builder()
                .setModel(model)
                .setUserAdapters(users.withBaseModel(BaseModel.of(model)))
                .optHost(host)
                .optPort(port)
                .optApiKeys(keys)
                .optMaxBatch(maxBatch)
                .optMaxQueue(maxQueue)
                .optAdapterCacheBytes(adapterCacheMb << 20)
                .optMaxPromptTokens(maxPromptTokens)
                .optMaxTokens(maxTokens)
                .optMaxSequenceLength(maxSeqLen)
                .optModelId(modelId)
                .optPinnedUsers(pinned)
                .optMaxUploadBytes(Math.toIntExact(maxUploadMb << 20))
                .optPLora(plora)
                .optEnrolment(
                    io.persona4j.adapters.plora.FewShotEnrolment.Config.builder()
                        .optSteps(enrolSteps)
                        .optLearningRate(enrolLr)
                        .build())
                .start()) {
      System.err.printf(
          "serve: %s (%s) at %s, adapters from %s, %s%n",
          server.modelId(),
          config.modelType(),
          server.url(),
          StoreConfig.redact(store.url()),
          keys == null
              ? "no API keys (open to anyone who can reach it)"
              : keys.size() + " API keys");
      System.out.println("serving on " + server.url() + "  (web page: " + server.url() + "/)");
      System.out.flush();
      CountDownLatch stop = new CountDownLatch(1);
      Thread hook = new Thread(stop::countDown, "persona4j-serve-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      stop.await();
    }
    return 0;
  }
}
