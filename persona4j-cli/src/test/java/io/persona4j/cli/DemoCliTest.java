package io.persona4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code persona4j demo}: before/after generations around a short LoRA fine-tuning run. */
class DemoCliTest {
  @Test
  void demoTeachesTheFactsToTheAdapter(@TempDir Path tmp) {
    Path adapter = tmp.resolve("adapter");
    CliTest.Run r =
        CliTest.run(
            "demo",
            "--dir",
            tmp.resolve("model").toString(),
            "--adapter-dir",
            adapter.toString(),
            "--batch",
            "3",
            "--max-tokens",
            "12");
    assertThat(r.code()).as(r.err()).isZero();
    String out = r.out();
    int after = out.indexOf("=== AFTER");
    assertThat(out.indexOf("=== BEFORE")).isGreaterThanOrEqualTo(0).isLessThan(after);
    String before = out.substring(0, out.indexOf("=== Fine-tuning"));
    assertThat(before).doesNotContain("[0] Q: favorite color of user-7? A: teal.");
    assertThat(out.substring(after))
        .contains("[0] Q: favorite color of user-7? A: teal.")
        .contains("[1] Q: home city of user-7? A: Lisbon.")
        .contains("[2] Q: pet of user-7? A: a cat named Miso.")
        .contains("3 of 3 questions answered with the trained fact");
    assertThat(out).containsPattern("train loss \\d+\\.\\d+ -> 0\\.\\d+");
    assertThat(adapter.resolve("adapter_model.safetensors")).isRegularFile();
    assertThat(adapter.resolve("loss.png")).isRegularFile();
    assertThat(r.err()).contains("tokens/s");
  }
}
