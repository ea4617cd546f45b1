/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.steer.cloud.CloudServerConfig;
import io.persona4j.steer.cloud.CloudService;
import io.persona4j.steer.device.CloudConnector;
import io.persona4j.steer.device.InProcessCloudConnector;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The steered generator's greedy tokens equal a naive recomputation of the three models'
 * full-prefix logits per step (no KV cache), for the iterative method, its closed form, a fixed c
 * and no steering; with chat templates and a device whose logits are padded past its vocabulary.
 */
class SteeredGreedyNaiveTest {
  @TempDir static Path tmp;
  static NDManager manager;
  static SteerModel cloud;
  static SteerModel device;
  static CloudService service;
  static SteeredGenerator generator;

  @BeforeAll
  static void setUp() throws Exception {
    manager = TensorRuntime.newManager();
    Path c = SteerFixture.cloud(tmp.resolve("cloud"), 1);
    Path d = SteerFixture.device(tmp.resolve("device"), c, 2);
    cloud = SteerModel.load(c, manager);
    device = SteerModel.load(d, manager);
    service = new CloudService(cloud, CloudServerConfig.builder().build(), null);
    generator =
        new SteeredGenerator(
            device,
            new InProcessCloudConnector(service, new CloudConnector.Credentials("dev", "")));
  }

  @AfterAll
  static void tearDown() {
    generator.close();
    service.close();
    device.close();
    cloud.close();
    manager.close();
  }

  private static void check(SteerConfig cfg, String query, String personalized) throws Exception {
    SteerResult r = generator.generate(query, personalized, cfg, StepListener.NONE);
    SteeringRule rule = cfg.cloudOnly() ? null : cfg.rule();
    long[] naive =
        NaiveCoSteer.greedy(
            cloud.model(),
            device.model(),
            SteerFixture.VOCAB,
            rule,
            r.cloudIds(),
            r.ctxIds(),
            r.noctxIds(),
            cfg.maxNewTokens(),
            Set.of(2L),
            manager);
    assertThat(r.tokens()).as(cfg.rule().describe()).containsExactly(naive);
    assertThat(r.tokens()).hasSizeGreaterThan(3);
  }

  @Test
  void iterativeClosedFormFixedAndCloudOnlyEqualNaiveRecomputation() throws Exception {
    String q = "Which movie should I watch tonight?";
    String p = SteeredGenerator.personalize("I loved Alien (1979) and Heat (1995).", q);
    SteerConfig base = SteerConfig.builder().optMaxNewTokens(12).build();
    check(base, q, p);
    check(base.withRule(SteeringRule.closedForm(SteerParams.DEFAULTS)), q, p);
    check(base.withRule(SteeringRule.fixed(1)), q, p);
    check(base.withRule(SteeringRule.iterative(new SteerParams(5, 1, 2, 1, 3))), q, p);
    check(base.withCloudOnly(true), q, p);
  }

  @Test
  void steeringChangesTheAnswerAndClosedFormGivesTheSameTokens() throws Exception {
    String q = "Tell me something.";
    String p = SteeredGenerator.personalize("My name is Ada and I write poems about the sea.", q);
    SteerConfig base = SteerConfig.builder().optMaxNewTokens(16).build();
    SteerResult steered = generator.generate(q, p, base, StepListener.NONE);
    SteerResult closed =
        generator.generate(
            q, p, base.withRule(SteeringRule.closedForm(SteerParams.DEFAULTS)), StepListener.NONE);
    SteerResult plain = generator.generate(q, p, base.withCloudOnly(true), StepListener.NONE);
    assertThat(closed.tokens()).containsExactly(steered.tokens());
    assertThat(steered.tokens()).isNotEqualTo(plain.tokens());
    assertThat(plain.deviceForwards()).isZero();
    assertThat(steered.deviceForwards()).isEqualTo(2L * steered.tokens().length);
    assertThat(steered.steeredShare()).isEqualTo(1.0);
    assertThat(steered.alignment()).isEqualTo(VocabularyAlignment.Mode.IDENTICAL);
  }

  @Test
  void rawPromptsSkipTheChatTemplate() throws Exception {
    String q = "hello";
    SteerConfig raw = SteerConfig.builder().optMaxNewTokens(4).optRaw(true).build();
    SteerResult r =
        generator.generate(q, SteeredGenerator.personalize("ctx", q), raw, StepListener.NONE);
    assertThat(r.cloudIds()).containsExactly(cloud.tokenizer().encode(q, true));
    SteerResult t =
        generator.generate(
            q, SteeredGenerator.personalize("ctx", q), raw.withCloudOnly(false), StepListener.NONE);
    assertThat(t.cloudIds()).containsExactly(r.cloudIds());
    SteerResult templ =
        generator.generate(
            q,
            SteeredGenerator.personalize("ctx", q),
            SteerConfig.builder().optMaxNewTokens(4).build(),
            StepListener.NONE);
    String text = cloud.tokenizer().decode(templ.cloudIds(), false);
    assertThat(text)
        .contains("<s>system\nYou are a helpful assistant.</s>")
        .endsWith("assistant\n");
  }
}
