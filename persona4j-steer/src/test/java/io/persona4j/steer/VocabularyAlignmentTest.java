/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.tokenizer.DefaultCorpus;
import io.persona4j.core.tokenizer.TokenizerJsonWriter;
import io.persona4j.steer.cloud.CloudServerConfig;
import io.persona4j.steer.cloud.CloudService;
import io.persona4j.steer.device.CloudConnector;
import io.persona4j.steer.device.InProcessCloudConnector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Identical vocabularies, the intersection of two that differ, EOS, padding and the threshold. */
class VocabularyAlignmentTest {
  @TempDir Path tmp;

  @Test
  void identicalMapsAreTheExactMethodEvenWithPaddedLogits() {
    List<String> t = List.of("<pad>", "<s>", "</s>", "a", "b");
    Vocabulary cloud = new Vocabulary(t, 5, new long[] {2}, "cloud");
    Vocabulary device = new Vocabulary(t, 8, new long[] {2}, "device");
    VocabularyAlignment a = VocabularyAlignment.of(cloud, device, 0.5);
    assertThat(a.mode()).isEqualTo(VocabularyAlignment.Mode.IDENTICAL);
    assertThat(a.size()).isEqualTo(5);
    assertThat(a.gatherDevice(new float[] {0, 1, 2, 3, 4, 9, 9, 9})).containsExactly(0, 1, 2, 3, 4);
    assertThatThrownBy(() -> new Vocabulary(t, 4, new long[] {2}, "small"))
        .hasMessageContaining("logit width 4")
        .hasMessageContaining("smaller than its tokenizer's 5 ids");
  }

  @Test
  void differentMapsUseTheSortedIntersectionAndPairTheEosTokens() {
    Vocabulary cloud =
        new Vocabulary(
            List.of("<|endoftext|>", "x", "b", "a", "</s>", "c"), 6, new long[] {0}, "cloud");
    Vocabulary device =
        new Vocabulary(
            List.of("<pad>", "</s>", "a", "b", "c", "<|endoftext|>"), 7, new long[] {1}, "device");
    VocabularyAlignment a = VocabularyAlignment.of(cloud, device, 0.5);
    assertThat(a.mode()).isEqualTo(VocabularyAlignment.Mode.INTERSECTION);
    // shared strings sorted: a, b, c; "</s>" and "<|endoftext|>" are EOS on one side only and
    // are dropped; the two EOS tokens share one slot
    List<String> slots = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      slots.add(cloud.tokens().get(a.cloudId(i)) + "->" + device.tokens().get(a.deviceId(i)));
    }
    assertThat(slots).containsExactly("a->a", "b->b", "c->c", "<|endoftext|>-></s>");
    assertThat(a.overlap()).isEqualTo(4 / 6.0);
    assertThat(a.gatherCloud(new float[] {0, 1, 2, 3, 4, 5})).containsExactly(3, 2, 5, 0);
    assertThatThrownBy(() -> VocabularyAlignment.of(cloud, device, 0.9))
        .hasMessageContaining("shares only 4 of the cloud vocabulary's 6")
        .hasMessageContaining("--min-vocab-overlap");
  }

  @Test
  void generationOnTheIntersectionOfTwoRealTokenizersEqualsNaiveRecomputation() throws Exception {
    Path c = SteerFixture.cloud(tmp.resolve("cloud"), 1);
    Path d = SteerFixture.device(tmp.resolve("device"), c, 2);
    // the device gets its own tokenizer, learned from other text: same specials and bytes, other
    // merges
    List<String> other = new ArrayList<>(DefaultCorpus.paragraphs().subList(0, 20));
    for (int i = 0; i < 100; i++) {
      other.add("zebra quokka " + i + " xylophone jazz fizz buzz quiz " + (i * 7));
    }
    TokenizerJsonWriter.writeByteLevelBpe(d.resolve("tokenizer.json"), 512, other);
    try (NDManager m = TensorRuntime.newManager();
        SteerModel cloud = SteerModel.load(c, m);
        SteerModel device = SteerModel.load(d, m);
        CloudService service = new CloudService(cloud, CloudServerConfig.builder().build(), null);
        SteeredGenerator g =
            new SteeredGenerator(
                device,
                new InProcessCloudConnector(service, new CloudConnector.Credentials("", "")))) {
      assertThatThrownBy(() -> g.alignment(0.99)).hasMessageContaining("shares only");
      VocabularyAlignment a = g.alignment(0.5);
      assertThat(a.mode()).isEqualTo(VocabularyAlignment.Mode.INTERSECTION);
      assertThat(a.size()).isLessThan(500).isGreaterThan(300);
      String q = "What is the weather?";
      String p = SteeredGenerator.personalize("I live in Oslo and dislike rain.", q);
      SteerConfig cfg =
          SteerConfig.builder()
              .optMaxNewTokens(10)
              .optRule(SteeringRule.closedForm(SteerParams.DEFAULTS))
              .build();
      SteerResult r = g.generate(q, p, cfg, StepListener.NONE);
      assertThat(r.alignment()).isEqualTo(VocabularyAlignment.Mode.INTERSECTION);
      assertThat(r.ctxIds())
          .isNotEqualTo(
              cloud.tokenizer().encode(cloud.promptText(cfg.systemPrompt(), p, false), true));
      // naive: full-prefix logits of the three models, restricted to the intersection
      long[] cc = r.cloudIds();
      long[] x = r.ctxIds();
      long[] y = r.noctxIds();
      int[] cloudIds = a.cloudIds();
      int[] deviceIds = a.deviceIds();
      for (int step = 0; step < r.tokens().length; step++) {
        try (NDManager s = m.newSubManager()) {
          NDArray pi =
              gather(NaiveCoSteer.lastLogits(cloud.model(), cc, 512, s).logSoftmax(-1), cloudIds, s)
                  .logSoftmax(-1);
          NDArray delta =
              gather(NaiveCoSteer.lastLogits(device.model(), x, 512, s), deviceIds, s)
                  .logSoftmax(-1)
                  .sub(
                      gather(NaiveCoSteer.lastLogits(device.model(), y, 512, s), deviceIds, s)
                          .logSoftmax(-1));
          float[] policy = cfg.rule().apply(pi, delta).toFloatArray();
          int slot = 0;
          for (int i = 1; i < policy.length; i++) {
            if (policy[i] > policy[slot]) {
              slot = i;
            }
          }
          assertThat(r.tokens()[step]).as("step %d", step).isEqualTo(cloudIds[slot]);
          cc = append(cc, cloudIds[slot]);
          x = append(x, deviceIds[slot]);
          y = append(y, deviceIds[slot]);
        }
      }
    }
  }

  private static NDArray gather(NDArray v, int[] ids, NDManager m) {
    float[] all = v.toFloatArray();
    float[] out = new float[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = all[ids[i]];
    }
    return m.create(out);
  }

  private static long[] append(long[] a, long v) {
    long[] b = Arrays.copyOf(a, a.length + 1);
    b[a.length] = v;
    return b;
  }
}
