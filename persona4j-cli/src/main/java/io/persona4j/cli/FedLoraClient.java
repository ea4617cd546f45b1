package io.persona4j.cli;

import ai.djl.ndarray.NDManager;
import io.persona4j.adapters.lora.LoraConfig;
import io.persona4j.adapters.lora.LoraModel;
import io.persona4j.core.TensorRuntime;
import io.persona4j.core.model.llama.LlamaModel;
import io.persona4j.core.tokenizer.Tokenizer;
import io.persona4j.core.train.DatasetException;
import io.persona4j.core.train.Example;
import io.persona4j.core.train.JsonlDataset;
import io.persona4j.federated.ClientApp;
import io.persona4j.federated.Instruction;
import io.persona4j.federated.Reply;
import io.persona4j.federated.lora.LoraClientApp;
import io.persona4j.federated.lora.LoraClientConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The client half of {@code persona4j fed}: a {@link LoraClientApp} on a local base model and a
 * local JSONL file, configured by the server's instructions. The adapter settings and the local
 * training settings travel in the instruction config ({@link #clientConfig}), so a client needs
 * only the base model and its data; it builds the adapter on the first instruction and refuses a
 * later one that changes the settings.
 *
 * <p>Several clients may share one {@link Base} (simulation): they then train one after another on
 * the shared model ({@link LoraClientApp} locks it).
 */
final class FedLoraClient implements ClientApp {

  static final String LORA_R = "lora_r";
  static final String LORA_ALPHA = "lora_alpha";
  static final String LORA_DROPOUT = "lora_dropout";
  static final String LORA_TARGETS = "lora_targets";
  static final String LEARNING_RATE = "learning_rate";
  static final String BATCH_SIZE = "batch_size";
  static final String CLIENT_SEED = "client_seed";

  /** The adapter name inside the shared {@link LoraModel}. */
  static final String ADAPTER = "default";

  /** The instruction config carrying a {@link FedConfig}'s adapter and local training settings. */
  static Map<String, Object> clientConfig(FedConfig c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(LORA_R, c.lora().r());
    m.put(LORA_ALPHA, c.lora().alpha());
    m.put(LORA_DROPOUT, c.lora().dropout());
    m.put(LORA_TARGETS, String.join(",", c.lora().targets()));
    m.put(LoraClientApp.LOCAL_STEPS, c.localSteps());
    m.put(LEARNING_RATE, c.learningRate());
    m.put(BATCH_SIZE, c.batchSize());
    m.put(CLIENT_SEED, c.seed());
    return m;
  }

  /** The adapter settings of a {@link FedConfig}. */
  static LoraConfig loraConfig(FedConfig.Lora l) {
    return LoraConfig.builder()
        .optR(l.r())
        .optAlpha(l.alpha())
        .optDropout(l.dropout())
        .optTargets(l.targets().toArray(String[]::new))
        .build();
  }

  /** A base model loaded on first use, shared by the clients of one process. */
  static final class Base implements AutoCloseable {
    private final Path dir;
    private NDManager manager;
    private LlamaModel model;
    private Tokenizer tokenizer;
    private LoraModel lora;
    private Map<String, Object> settings;

    Base(Path dir) {
      this.dir = dir;
    }

    synchronized void ensureLoaded() throws IOException {
      if (manager != null) {
        return;
      }
      NDManager m = TensorRuntime.newManager();
      try {
        model = LlamaModel.load(dir, m);
        tokenizer = Tokenizer.fromDirectory(dir);
        lora = LoraModel.of(model, m);
        manager = m;
      } catch (IOException | RuntimeException e) {
        m.close();
        throw e;
      }
    }

    /** The LoRA model (after {@link #ensureLoaded}). */
    synchronized LoraModel lora() {
      return lora;
    }

    /** Adds the adapter on the first call; later calls must carry the same settings. */
    synchronized void ensureAdapter(Map<String, Object> s, long seed) {
      if (settings == null) {
        LoraConfig cfg =
            LoraConfig.builder()
                .optR(intOf(s, LORA_R))
                .optAlpha(doubleOf(s, LORA_ALPHA))
                .optDropout(doubleOf(s, LORA_DROPOUT))
                .optTargets(stringOf(s, LORA_TARGETS).split(","))
                .build();
        lora.add(ADAPTER, cfg, seed);
        settings = Map.copyOf(s);
      } else if (!settings.equals(s)) {
        throw new IllegalStateException(
            "the server changed the adapter settings from " + settings + " to " + s);
      }
    }

    @Override
    public synchronized void close() {
      if (manager != null) {
        if (tokenizer != null) {
          tokenizer.close();
        }
        lora.close();
        model.close();
        manager.close();
        manager = null;
      }
    }
  }

  private final Base base;
  private final Path data;
  private final int maxLen;
  private final long fitDelayMillis;
  private final PrintStream log;
  private LoraClientApp app;
  private Map<String, Object> appSettings;

  /**
   * @param base the (shared) base model
   * @param data the client's JSONL file (prompt/completion or text rows)
   * @param maxLen longest example in tokens (longer ones are truncated)
   * @param fitDelayMillis a pause before each local training, to emulate a slow device (0: none)
   * @param log where to print one line per instruction, or null
   */
  FedLoraClient(Base base, Path data, int maxLen, long fitDelayMillis, PrintStream log) {
    if (maxLen < 2) {
      throw new IllegalArgumentException("--max-len must be >= 2, got " + maxLen);
    }
    this.base = base;
    this.data = data;
    this.maxLen = maxLen;
    this.fitDelayMillis = fitDelayMillis;
    this.log = log;
  }

  @Override
  public Reply fit(Instruction in) throws Exception {
    if (log != null) {
      log.printf("%s: round %d: training%n", in.clientId(), in.round());
    }
    if (fitDelayMillis > 0) {
      Thread.sleep(fitDelayMillis);
    }
    Reply r = app(in).fit(in);
    if (log != null) {
      log.printf(
          "%s: round %d: trained, loss %.4f%n",
          in.clientId(), in.round(), r.metrics().getOrDefault(Reply.LOSS, Double.NaN));
    }
    return r;
  }

  @Override
  public Reply evaluate(Instruction in) throws Exception {
    return app(in).evaluate(in);
  }

  private synchronized LoraClientApp app(Instruction in) throws IOException {
    Map<String, Object> s = new LinkedHashMap<>();
    for (String k :
        List.of(
            LORA_R,
            LORA_ALPHA,
            LORA_DROPOUT,
            LORA_TARGETS,
            LoraClientApp.LOCAL_STEPS,
            LEARNING_RATE,
            BATCH_SIZE,
            CLIENT_SEED)) {
      Object v = in.config().get(k);
      if (v == null) {
        throw new IllegalArgumentException(
            "instruction of round "
                + in.round()
                + " lacks '"
                + k
                + "': not a persona4j fed server?");
      }
      s.put(k, v);
    }
    if (app != null) {
      if (!appSettings.equals(s)) {
        throw new IllegalStateException(
            "the server changed the client settings from " + appSettings + " to " + s);
      }
      return app;
    }
    base.ensureLoaded();
    long seed = longOf(s, CLIENT_SEED);
    Map<String, Object> adapterSettings = new LinkedHashMap<>(s);
    adapterSettings.keySet().retainAll(List.of(LORA_R, LORA_ALPHA, LORA_DROPOUT, LORA_TARGETS));
    base.ensureAdapter(adapterSettings, seed);
    List<Example> examples = read(base.tokenizer, data, maxLen);
    LoraClientConfig cfg =
        new LoraClientConfig(
            doubleOf(s, LEARNING_RATE),
            intOf(s, LoraClientApp.LOCAL_STEPS),
            intOf(s, BATCH_SIZE),
            1.0,
            0.0,
            seed,
            0);
    app = new LoraClientApp(base.model, base.lora, ADAPTER, examples, cfg);
    appSettings = s;
    if (log != null) {
      log.printf("%s: %d examples from %s%n", in.clientId(), examples.size(), data);
    }
    return app;
  }

  /** Reads prompt/completion or text rows (overlong rows truncated, malformed rows fail). */
  static List<Example> read(Tokenizer tok, Path file, int maxLen) throws IOException {
    JsonlDataset d =
        JsonlDataset.builder()
            .setFile(file)
            .setTokenizer(tok)
            .setMaxLength(maxLen)
            .optOnOverlong(JsonlDataset.OnOverlong.TRUNCATE)
            .build();
    if (d.kind() == JsonlDataset.Kind.CLASSIFICATION) {
      throw new DatasetException(
          file, "has text/label rows; federated LoRA trains on prompt/completion or text rows");
    }
    return d.examples();
  }

  private static Object valueOf(Map<String, Object> s, String k) {
    Object v = s.get(k);
    if (v == null) {
      throw new IllegalArgumentException("instruction config lacks '" + k + "'");
    }
    return v;
  }

  private static int intOf(Map<String, Object> s, String k) {
    return Math.toIntExact(longOf(s, k));
  }

  private static long longOf(Map<String, Object> s, String k) {
    if (!(valueOf(s, k) instanceof Number n)) {
      throw new IllegalArgumentException("instruction config '" + k + "' is not a number");
    }
    return n.longValue();
  }

  private static double doubleOf(Map<String, Object> s, String k) {
    if (!(valueOf(s, k) instanceof Number n)) {
      throw new IllegalArgumentException("instruction config '" + k + "' is not a number");
    }
    return n.doubleValue();
  }

  private static String stringOf(Map<String, Object> s, String k) {
    return String.valueOf(valueOf(s, k));
  }

  @Override
  public String toString() {
    return "FedLoraClient[" + data + ", maxLen=" + maxLen + "]";
  }
}
