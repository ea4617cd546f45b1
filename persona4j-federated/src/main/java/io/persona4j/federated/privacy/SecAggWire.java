/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.federated.privacy;

import io.persona4j.federated.ParameterSet;
import io.persona4j.privacy.secagg.Messages.AdvertiseKeys;
import io.persona4j.privacy.secagg.Messages.KeyDirectory;
import io.persona4j.privacy.secagg.Messages.MaskedInput;
import io.persona4j.privacy.secagg.Messages.ShareDelivery;
import io.persona4j.privacy.secagg.Messages.ShareKeys;
import io.persona4j.privacy.secagg.Messages.SurvivorList;
import io.persona4j.privacy.secagg.Messages.UnmaskShares;
import io.persona4j.privacy.sharing.Share;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Wire format of secure-aggregation messages over the federated {@code Grid}.
 *
 * <p>Each protocol message is serialized to bytes with {@link DataOutputStream} (big-endian ints,
 * longs, length-prefixed byte arrays). Server to client, the bytes travel base64-encoded in the
 * instruction config under {@link #MESSAGE_KEY} (config values are scalars). Client to server, a
 * reply can only carry floats, so the bytes are packed into one float32 tensor {@link #TENSOR}:
 * elements 0 and 1 hold the byte count's low and high 24 bits, then every element holds three bytes
 * as an integer in {@code [0, 2^24)} (exactly representable in float32, always finite). Vectors of
 * longs (masked inputs, shares) are bit-packed at the width of their largest value.
 */
final class SecAggWire {
  /** Config key of the base64 server-to-client message. */
  static final String MESSAGE_KEY = "secagg_message";

  /** Config key of the protocol stage (a {@code Stage} name). */
  static final String STAGE_KEY = "secagg_stage";

  /** Config key of the round's session id (distinguishes concurrent or retried rounds). */
  static final String SESSION_KEY = "secagg_session";

  /** Config key of the client's protocol id in 1..n. */
  static final String ID_KEY = "secagg_id";

  /** Config key of the number n of protocol clients. */
  static final String CLIENTS_KEY = "secagg_clients";

  /** Config key of the Shamir threshold t. */
  static final String THRESHOLD_KEY = "secagg_threshold";

  /** Config key of the encoded vector length. */
  static final String LENGTH_KEY = "secagg_length";

  /** Config key of the fixed-point clip. */
  static final String FP_CLIP_KEY = "secagg_fp_clip";

  /** Config key of the fixed-point scale. */
  static final String FP_SCALE_KEY = "secagg_fp_scale";

  /** Config key of the fixed-point modulus (a long). */
  static final String FP_MODULUS_KEY = "secagg_fp_modulus";

  /** Config key of the SecAgg+ graph degree (absent or 0: the complete graph of SecAgg). */
  static final String GRAPH_DEGREE_KEY = "secagg_graph_degree";

  /** Config key of the public seed of the SecAgg+ graph's permutation (a long). */
  static final String GRAPH_SEED_KEY = "secagg_graph_seed";

  /** Name of the tensor carrying a client-to-server message. */
  static final String TENSOR = "secagg_message";

  private SecAggWire() {}

  @FunctionalInterface
  private interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  @FunctionalInterface
  private interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  private static byte[] bytes(Writer w) {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bos)) {
      w.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bos.toByteArray();
  }

  private static <T> T parse(byte[] b, Reader<T> r) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
      T t = r.read(in);
      if (in.available() != 0) {
        throw new IllegalArgumentException(in.available() + " trailing bytes in message");
      }
      return t;
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed secure-aggregation message: " + e, e);
    }
  }

  private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
    out.writeInt(b.length);
    out.write(b);
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new IOException("byte array length " + n + " out of range");
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  private static int count(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new IOException("count " + n + " out of range");
    }
    return n;
  }

  private static void writeLongs(DataOutputStream out, long[] v) throws IOException {
    PackedLongs.write(out, v);
  }

  private static long[] readLongs(DataInputStream in) throws IOException {
    return PackedLongs.read(in);
  }

  private static void writeAdvertise(DataOutputStream out, AdvertiseKeys m) throws IOException {
    out.writeInt(m.clientId());
    writeBytes(out, m.encryptionPublicKey());
    writeBytes(out, m.maskingPublicKey());
  }

  private static AdvertiseKeys readAdvertise(DataInputStream in) throws IOException {
    return new AdvertiseKeys(in.readInt(), readBytes(in), readBytes(in));
  }

  private static void writeCiphertexts(DataOutputStream out, Map<Integer, byte[]> m)
      throws IOException {
    out.writeInt(m.size());
    for (Map.Entry<Integer, byte[]> e : m.entrySet()) {
      out.writeInt(e.getKey());
      writeBytes(out, e.getValue());
    }
  }

  private static Map<Integer, byte[]> readCiphertexts(DataInputStream in) throws IOException {
    int n = count(in);
    Map<Integer, byte[]> m = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      m.put(in.readInt(), readBytes(in));
    }
    return m;
  }

  private static void writeShares(DataOutputStream out, Map<Integer, Share> m) throws IOException {
    out.writeInt(m.size());
    for (Map.Entry<Integer, Share> e : m.entrySet()) {
      out.writeInt(e.getKey());
      out.writeInt(e.getValue().x());
      writeLongs(out, e.getValue().y());
    }
  }

  private static Map<Integer, Share> readShares(DataInputStream in) throws IOException {
    int n = count(in);
    Map<Integer, Share> m = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      int owner = in.readInt();
      int x = in.readInt();
      try {
        m.put(owner, new Share(x, readLongs(in)));
      } catch (IllegalArgumentException e) {
        throw new IOException(e.getMessage(), e);
      }
    }
    return m;
  }

  static byte[] encode(AdvertiseKeys m) {
    return bytes(out -> writeAdvertise(out, m));
  }

  static AdvertiseKeys decodeAdvertiseKeys(byte[] b) {
    return parse(b, SecAggWire::readAdvertise);
  }

  static byte[] encode(KeyDirectory m) {
    return bytes(
        out -> {
          out.writeInt(m.keys().size());
          for (AdvertiseKeys k : m.keys().values()) {
            writeAdvertise(out, k);
          }
        });
  }

  static KeyDirectory decodeKeyDirectory(byte[] b) {
    return parse(
        b,
        in -> {
          int n = count(in);
          Map<Integer, AdvertiseKeys> keys = new TreeMap<>();
          for (int i = 0; i < n; i++) {
            AdvertiseKeys k = readAdvertise(in);
            keys.put(k.clientId(), k);
          }
          return new KeyDirectory(keys);
        });
  }

  static byte[] encode(ShareKeys m) {
    return bytes(
        out -> {
          out.writeInt(m.clientId());
          writeCiphertexts(out, m.ciphertexts());
        });
  }

  static ShareKeys decodeShareKeys(byte[] b) {
    return parse(b, in -> new ShareKeys(in.readInt(), readCiphertexts(in)));
  }

  static byte[] encode(ShareDelivery m) {
    return bytes(
        out -> {
          out.writeInt(m.recipient());
          writeCiphertexts(out, m.ciphertextsBySender());
        });
  }

  static ShareDelivery decodeShareDelivery(byte[] b) {
    return parse(b, in -> new ShareDelivery(in.readInt(), readCiphertexts(in)));
  }

  static byte[] encode(MaskedInput m) {
    return bytes(
        out -> {
          out.writeInt(m.clientId());
          writeLongs(out, m.maskedInput());
        });
  }

  static MaskedInput decodeMaskedInput(byte[] b) {
    return parse(b, in -> new MaskedInput(in.readInt(), readLongs(in)));
  }

  static byte[] encode(SurvivorList m) {
    return bytes(
        out -> {
          out.writeInt(m.maskedInputSenders().size());
          for (int id : m.maskedInputSenders()) {
            out.writeInt(id);
          }
        });
  }

  static SurvivorList decodeSurvivorList(byte[] b) {
    return parse(
        b,
        in -> {
          int n = count(in);
          TreeSet<Integer> s = new TreeSet<>();
          for (int i = 0; i < n; i++) {
            s.add(in.readInt());
          }
          return new SurvivorList(s);
        });
  }

  static byte[] encode(UnmaskShares m) {
    return bytes(
        out -> {
          out.writeInt(m.clientId());
          writeShares(out, m.selfMaskSeedShares());
          writeShares(out, m.maskingKeyShares());
        });
  }

  static UnmaskShares decodeUnmaskShares(byte[] b) {
    return parse(b, in -> new UnmaskShares(in.readInt(), readShares(in), readShares(in)));
  }

  /** Base64 text for the instruction config. */
  static String toConfig(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  /** The bytes of a config value written by {@link #toConfig}. */
  static byte[] fromConfig(Object value) {
    if (!(value instanceof String s)) {
      throw new IllegalArgumentException(
          "config '" + MESSAGE_KEY + "' must be a base64 string, got " + value);
    }
    return Base64.getDecoder().decode(s);
  }

  /** Packs bytes into a one-tensor parameter set (see the class comment). */
  static ParameterSet toParameters(byte[] b) {
    int n = 2 + (b.length + 2) / 3;
    float[] v = new float[n];
    v[0] = b.length & 0xFFFFFF;
    v[1] = b.length >>> 24;
    for (int i = 0; i < b.length; i += 3) {
      int w = (b[i] & 0xFF) << 16;
      w |= i + 1 < b.length ? (b[i + 1] & 0xFF) << 8 : 0;
      w |= i + 2 < b.length ? b[i + 2] & 0xFF : 0;
      v[2 + i / 3] = w;
    }
    return ParameterSet.builder().add(TENSOR, new int[] {n}, v).build();
  }

  /** Unpacks {@link #toParameters}; rejects any other layout or value. */
  static byte[] fromParameters(ParameterSet p) {
    if (p.size() != 1 || !p.names().get(0).equals(TENSOR)) {
      throw new IllegalArgumentException(
          "a secure-aggregation reply must hold exactly the tensor '" + TENSOR + "', got " + p);
    }
    float[] v = p.values(TENSOR);
    if (v.length < 2) {
      throw new IllegalArgumentException("message tensor too short: " + v.length);
    }
    long len = word(v[0]) | ((long) word(v[1]) << 24);
    if (len > Integer.MAX_VALUE - 8 || 2 + (len + 2) / 3 != v.length) {
      throw new IllegalArgumentException(
          "message tensor of " + v.length + " elements cannot hold " + len + " bytes");
    }
    byte[] b = new byte[(int) len];
    for (int i = 0; i < b.length; i += 3) {
      int w = word(v[2 + i / 3]);
      b[i] = (byte) (w >>> 16);
      if (i + 1 < b.length) {
        b[i + 1] = (byte) (w >>> 8);
      }
      if (i + 2 < b.length) {
        b[i + 2] = (byte) w;
      }
    }
    return b;
  }

  private static int word(float f) {
    if (!(f >= 0 && f <= 0xFFFFFF) || f != Math.rint(f)) {
      throw new IllegalArgumentException(
          "message element " + f + " is not an integer in [0, 2^24)");
    }
    return (int) f;
  }
}
