/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer.device;

import io.persona4j.steer.SteerSessionException;
import io.persona4j.steer.cloud.CloudService;
import io.persona4j.steer.proto.Close;
import io.persona4j.steer.proto.CloudMessage;
import io.persona4j.steer.proto.DeviceMessage;
import io.persona4j.steer.proto.End;
import io.persona4j.steer.proto.EndCode;
import io.persona4j.steer.proto.Open;
import io.persona4j.steer.proto.Opened;
import io.persona4j.steer.proto.Token;
import io.persona4j.steer.wire.DistributionCodec;
import io.persona4j.steer.wire.WireFormat;
import java.time.Duration;

/**
 * The device's side of one session, as an explicit state machine:
 *
 * <pre>
 * NEW               --open()--&gt; sends Open --&gt; OPENING
 * OPENING           --Opened (vocabulary size, prompt ids in range, cap)--&gt; AWAIT_DISTRIBUTION(0)
 * AWAIT_DISTRIBUTION(s) --Distribution(step s, format, size, values valid)--&gt; CHOOSING(s)
 * CHOOSING(s)       --sendToken(s, id)--&gt; AWAIT_DISTRIBUTION(s + 1)
 * any               --close(reason)--&gt; sends Close --&gt; CLOSED
 * </pre>
 *
 * Any other message, a malformed one, an End other than OK, or silence beyond the timeout ends the
 * session: the device sends {@code Close(reason)} (so the cloud frees the session at once) and
 * {@link SteerSessionException} carries the reason. Not thread-safe: one generating thread per
 * session.
 */
public final class DeviceSession implements AutoCloseable {
  enum Stage {
    NEW,
    OPENING,
    AWAIT_DISTRIBUTION,
    CHOOSING,
    CLOSED
  }

  private final CloudLink link;
  private final int vocab;
  private final Duration timeout;
  private Stage stage = Stage.NEW;
  private WireFormat wire;
  private int step;
  private int maxNew;
  private long[] promptIds;
  private long bytesUp;
  private long bytesDown;
  private long messagesUp;
  private long messagesDown;
  private long waitNanos;
  private long cloudMicros;

  /**
   * @param vocab the cloud's vocabulary size (from {@code CloudInfo})
   * @param timeout longest wait for any cloud message
   */
  public DeviceSession(CloudLink link, int vocab, Duration timeout) {
    this.link = link;
    this.vocab = vocab;
    this.timeout = timeout;
  }

  /**
   * Opens the session with the query only and waits for the cloud's Opened.
   *
   * @return the cloud prompt's token ids
   */
  public long[] open(
      String clientId,
      String token,
      String query,
      String system,
      boolean raw,
      WireFormat format,
      int maxNewTokens)
      throws InterruptedException {
    expect(Stage.NEW, "open");
    wire = format;
    Open o =
        Open.newBuilder()
            .setProtocolVersion(CloudService.PROTOCOL_VERSION)
            .setClientId(clientId)
            .setToken(token)
            .setQuery(query)
            .setSystemPrompt(system == null ? "" : system)
            .setRaw(raw)
            .setWire(DistributionCodec.toProto(format))
            .setTopK(format.k())
            .setMaxNewTokens(maxNewTokens)
            .build();
    send(DeviceMessage.newBuilder().setOpen(o).build());
    stage = Stage.OPENING;
    CloudMessage m = next();
    if (m.getKindCase() != CloudMessage.KindCase.OPENED) {
      throw violation("expected Opened, got " + m.getKindCase());
    }
    Opened op = m.getOpened();
    if (op.getVocabSize() != vocab) {
      throw violation("Opened with vocab_size " + op.getVocabSize() + ", described " + vocab);
    }
    if (op.getMaxNewTokens() < 1 || op.getMaxNewTokens() > maxNewTokens) {
      throw violation(
          "Opened with max_new_tokens " + op.getMaxNewTokens() + ", asked " + maxNewTokens);
    }
    if (op.getPromptIdsCount() == 0) {
      throw violation("Opened with an empty prompt");
    }
    promptIds = new long[op.getPromptIdsCount()];
    for (int i = 0; i < promptIds.length; i++) {
      long id = Integer.toUnsignedLong(op.getPromptIds(i));
      if (id >= vocab) {
        throw violation("prompt id " + id + " outside [0, " + vocab + ")");
      }
      promptIds[i] = id;
    }
    maxNew = op.getMaxNewTokens();
    step = 0;
    stage = Stage.AWAIT_DISTRIBUTION;
    return promptIds.clone();
  }

  /** Waits for the distribution of the current step; returns its log-probabilities. */
  public float[] awaitDistribution() throws InterruptedException {
    expect(Stage.AWAIT_DISTRIBUTION, "awaitDistribution");
    long t0 = System.nanoTime();
    CloudMessage m = next();
    if (m.getKindCase() != CloudMessage.KindCase.DISTRIBUTION) {
      throw violation("expected Distribution(" + step + "), got " + m.getKindCase());
    }
    float[] logProbs;
    try {
      logProbs = DistributionCodec.decode(m.getDistribution(), wire, step, vocab);
    } catch (SteerSessionException e) {
      throw abort(e);
    }
    cloudMicros += Integer.toUnsignedLong(m.getDistribution().getCloudMicros());
    waitNanos += System.nanoTime() - t0;
    stage = Stage.CHOOSING;
    return logProbs;
  }

  /** Sends the token chosen at the current step; the next distribution follows. */
  public void sendToken(long id) {
    expect(Stage.CHOOSING, "sendToken");
    if (id < 0 || id >= vocab) {
      throw new IllegalArgumentException("token id " + id + " outside [0, " + vocab + ")");
    }
    if (step + 1 >= maxNew) {
      throw new IllegalStateException("the session's " + maxNew + " tokens are used up");
    }
    send(
        DeviceMessage.newBuilder()
            .setToken(Token.newBuilder().setStep(step).setTokenId((int) id))
            .build());
    step++;
    stage = Stage.AWAIT_DISTRIBUTION;
  }

  /** Ends the session normally (EOS, token limit) and waits briefly for the cloud's End. */
  public void close(String reason) throws InterruptedException {
    if (stage == Stage.CLOSED) {
      return;
    }
    boolean opened = stage != Stage.NEW;
    stage = Stage.CLOSED;
    if (opened) {
      send(DeviceMessage.newBuilder().setClose(Close.newBuilder().setReason(reason)).build());
      try {
        CloudMessage m;
        while ((m = link.receive(timeout)) != null) {
          count(m);
          if (m.getKindCase() == CloudMessage.KindCase.END) {
            break; // a distribution computed meanwhile may precede it
          }
        }
      } catch (SteerSessionException e) {
        // the session is over either way
      }
    }
    link.close();
  }

  @Override
  public void close() {
    if (stage != Stage.CLOSED) {
      stage = Stage.CLOSED;
      link.close();
    }
  }

  private CloudMessage next() throws InterruptedException {
    CloudMessage m;
    try {
      m = link.receive(timeout);
    } catch (SteerSessionException e) {
      throw abort(e);
    }
    if (m == null) {
      throw abort(
          new SteerSessionException(
              SteerSessionException.Code.TRANSPORT, "the cloud ended the stream without End"));
    }
    count(m);
    if (m.getKindCase() == CloudMessage.KindCase.END) {
      End e = m.getEnd();
      stage = Stage.CLOSED;
      link.close();
      throw new SteerSessionException(
          codeOf(e.getCode()), "the cloud ended the session: " + e.getReason());
    }
    return m;
  }

  private void count(CloudMessage m) {
    messagesDown++;
    bytesDown += m.getSerializedSize();
  }

  private void send(DeviceMessage m) {
    messagesUp++;
    bytesUp += m.getSerializedSize();
    link.send(m);
  }

  private void expect(Stage s, String what) {
    if (stage != s) {
      throw new IllegalStateException(what + " in stage " + stage + " (expected " + s + ")");
    }
  }

  private SteerSessionException violation(String reason) {
    return abort(SteerSessionException.protocol(reason));
  }

  /** Tells the cloud why the device ends the session, closes the link, returns the exception. */
  private SteerSessionException abort(SteerSessionException e) {
    if (stage != Stage.CLOSED) {
      stage = Stage.CLOSED;
      try {
        send(
            DeviceMessage.newBuilder()
                .setClose(Close.newBuilder().setReason("device: " + e.getMessage()))
                .build());
      } catch (RuntimeException ignored) {
        // the transport is gone: nothing to tell
      }
      link.close();
    }
    return e;
  }

  private static SteerSessionException.Code codeOf(EndCode c) {
    return switch (c) {
      case END_UNAUTHENTICATED -> SteerSessionException.Code.UNAUTHENTICATED;
      case END_BUSY -> SteerSessionException.Code.BUSY;
      case END_TIMEOUT -> SteerSessionException.Code.TIMEOUT;
      case END_LIMIT -> SteerSessionException.Code.LIMIT;
      case END_INTERNAL -> SteerSessionException.Code.INTERNAL;
      case END_SHUTDOWN -> SteerSessionException.Code.SHUTDOWN;
      default -> SteerSessionException.Code.PROTOCOL;
    };
  }

  public int step() {
    return step;
  }

  public int maxNewTokens() {
    return maxNew;
  }

  /** Protobuf bytes sent to the cloud. */
  public long bytesUp() {
    return bytesUp;
  }

  /** Protobuf bytes received from the cloud. */
  public long bytesDown() {
    return bytesDown;
  }

  public long messagesUp() {
    return messagesUp;
  }

  public long messagesDown() {
    return messagesDown;
  }

  /**
   * Time from asking for a distribution to holding it validated: the cloud's compute, the wire
   * (serialization, transport, parsing) and the device's validation.
   */
  public long waitNanos() {
    return waitNanos;
  }

  /** Sum of the cloud's reported compute times. */
  public long cloudMicros() {
    return cloudMicros;
  }
}
