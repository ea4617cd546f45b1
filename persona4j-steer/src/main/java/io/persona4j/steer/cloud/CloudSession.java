/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.steer.cloud;

import io.persona4j.steer.LogProbs;
import io.persona4j.steer.SteerSessionException;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session on the cloud, as an explicit state machine. Stages and the only message each accepts:
 *
 * <pre>
 * AWAIT_OPEN  --Open (version, client token, limits, wire format)--&gt; COMPUTING (prefill)
 * COMPUTING   --(engine done)--&gt; sends Opened (first time) + Distribution(step) --&gt; AWAIT_TOKEN
 * AWAIT_TOKEN --Token(step, id in vocabulary, step + 1 &lt; max tokens)--&gt; COMPUTING (append)
 * any stage after Open --Close--&gt; ENDED (End OK)
 * </pre>
 *
 * Anything else (a Token before Open, a second Open, a message while the cloud computes, a wrong
 * step, an id out of range, an empty message) ends this session with {@code End(PROTOCOL, reason)};
 * a bad token ends it with UNAUTHENTICATED, a full server with BUSY, a silent device with TIMEOUT.
 * Ending frees the KV cache and the concurrency permit; other sessions are untouched. The cloud
 * receives the query and the chosen tokens, nothing else.
 */
public final class CloudSession {
  private static final Logger LOG = LoggerFactory.getLogger(CloudSession.class);

  /** Where the session's messages to the device go (gRPC stream or in-process queue). */
  public interface Outbound {
    void send(CloudMessage message);

    /** The session is over: complete the stream. */
    void complete();
  }

  enum Stage {
    AWAIT_OPEN,
    COMPUTING,
    AWAIT_TOKEN,
    ENDED
  }

  private final CloudService service;
  private final String id;
  private final Outbound out;
  private final String peerCn;
  private Stage stage = Stage.AWAIT_OPEN;
  private boolean permit;
  private boolean openedSent;
  private long[] promptIds;
  private CloudEngine.Sequence sequence;
  private WireFormat wire;
  private int maxNew;
  private int step;
  private ScheduledFuture<?> timer;
  private long bytesUp;
  private long bytesDown;
  private EndCode endCode;
  private String endReason;

  CloudSession(CloudService service, String id, Outbound out, String peerCn) {
    this.service = service;
    this.id = id;
    this.out = out;
    this.peerCn = peerCn;
    synchronized (this) {
      arm(service.config().openTimeout(), "no Open within ");
    }
  }

  /** Handles one message from the device. Never throws: a bad message ends the session. */
  public synchronized void onMessage(DeviceMessage m) {
    if (stage == Stage.ENDED) {
      return; // late messages after the end are dropped
    }
    long size = m.getSerializedSize();
    bytesUp += size;
    service.stats().up(size);
    try {
      switch (m.getKindCase()) {
        case OPEN -> onOpen(m.getOpen());
        case TOKEN -> onToken(m.getToken());
        case CLOSE -> {
          requireOpened("Close");
          end(EndCode.END_OK, "closed by the device: " + clip(m.getClose().getReason()));
        }
        default -> throw SteerSessionException.protocol("empty message (no kind set)");
      }
    } catch (SteerSessionException e) {
      end(codeOf(e.code()), e.reason());
    } catch (IllegalArgumentException e) {
      end(EndCode.END_PROTOCOL, e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("session {}: internal error", id, e);
      end(EndCode.END_INTERNAL, "internal error: " + e);
    }
  }

  /** The device's stream ended or broke: free everything, nothing more to send. */
  public synchronized void onTransportClosed(String why) {
    if (stage != Stage.ENDED) {
      finish(EndCode.END_OK, "transport closed: " + why, false);
    }
  }

  private void onOpen(Open o) {
    if (stage != Stage.AWAIT_OPEN) {
      throw SteerSessionException.protocol("a second Open in stage " + stage);
    }
    if (o.getProtocolVersion() != CloudService.PROTOCOL_VERSION) {
      throw SteerSessionException.protocol(
          "protocol version "
              + o.getProtocolVersion()
              + ", this cloud speaks "
              + CloudService.PROTOCOL_VERSION);
    }
    service.checkClient(o.getClientId(), o.getToken(), peerCn);
    CloudServerConfig c = service.config();
    int vocab = service.model().vocabulary().size();
    wire = DistributionCodec.fromProto(o.getWire(), o.getTopK(), vocab);
    if (o.getMaxNewTokens() < 1) {
      throw SteerSessionException.protocol("max_new_tokens must be >= 1");
    }
    if (o.getQuery().isEmpty()) {
      throw SteerSessionException.protocol("empty query");
    }
    if (o.getQuery().length() > 64 * c.maxPromptTokens()) {
      throw new SteerSessionException(
          SteerSessionException.Code.LIMIT, "query of " + o.getQuery().length() + " characters");
    }
    maxNew = Math.min(o.getMaxNewTokens(), c.maxNewTokens());
    promptIds = service.model().promptIds(o.getSystemPrompt(), o.getQuery(), o.getRaw());
    int capacity = promptIds.length + maxNew;
    if (promptIds.length > c.maxPromptTokens() || capacity > service.model().maxPositions()) {
      throw new SteerSessionException(
          SteerSessionException.Code.LIMIT,
          "prompt of "
              + promptIds.length
              + " tokens + "
              + maxNew
              + " new tokens exceeds the cloud's limits (prompt <= "
              + c.maxPromptTokens()
              + ", total <= "
              + service.model().maxPositions()
              + ")");
    }
    if (!service.tryAcquire()) {
      throw new SteerSessionException(
          SteerSessionException.Code.BUSY,
          "the cloud serves " + c.maxSessions() + " sessions at once; try again later");
    }
    permit = true;
    service.stats().opened();
    cancelTimer();
    stage = Stage.COMPUTING;
    long t0 = System.nanoTime();
    CompletableFuture<CloudEngine.Started> f = service.engine().start(promptIds, capacity);
    f.whenCompleteAsync(
        (started, error) -> {
          synchronized (this) {
            if (started != null) {
              if (stage == Stage.ENDED) {
                service.engine().release(started.sequence());
                return;
              }
              sequence = started.sequence();
            }
            deliver(started == null ? null : started.logits(), error, t0);
          }
        },
        service.encoders());
  }

  private void onToken(Token t) {
    requireOpened("Token");
    if (stage != Stage.AWAIT_TOKEN) {
      throw SteerSessionException.protocol(
          "Token for step " + t.getStep() + " while the cloud computes step " + step);
    }
    if (t.getStep() != step) {
      throw SteerSessionException.protocol(
          "Token for step " + t.getStep() + ", expected step " + step);
    }
    int vocab = service.model().vocabulary().size();
    if (Integer.toUnsignedLong(t.getTokenId()) >= vocab) {
      throw SteerSessionException.protocol(
          "token id " + Integer.toUnsignedLong(t.getTokenId()) + " outside [0, " + vocab + ")");
    }
    if (step + 1 >= maxNew) {
      throw new SteerSessionException(
          SteerSessionException.Code.LIMIT,
          "the session's " + maxNew + " tokens are used up; send Close");
    }
    cancelTimer();
    stage = Stage.COMPUTING;
    step++;
    long t0 = System.nanoTime();
    service
        .engine()
        .append(sequence, t.getTokenId())
        .whenCompleteAsync(
            (logits, error) -> {
              synchronized (this) {
                deliver(logits, error, t0);
              }
            },
            service.encoders());
    service.stats().step();
  }

  /** Engine result: encode and send the distribution for the current step. */
  private void deliver(float[] logits, Throwable error, long t0) {
    if (stage != Stage.COMPUTING) {
      return; // ended meanwhile
    }
    if (error != null) {
      LOG.warn("session {}: engine failed", id, error);
      end(EndCode.END_INTERNAL, "the cloud model failed: " + error.getMessage());
      return;
    }
    try {
      int vocab = service.model().vocabulary().size();
      float[] logProbs = LogProbs.logSoftmax(logits, vocab);
      long micros = (System.nanoTime() - t0) / 1000;
      if (!openedSent) {
        Opened.Builder ob =
            Opened.newBuilder().setSessionId(id).setVocabSize(vocab).setMaxNewTokens(maxNew);
        for (long p : promptIds) {
          ob.addPromptIds((int) p);
        }
        send(CloudMessage.newBuilder().setOpened(ob).build());
        openedSent = true;
      }
      send(
          CloudMessage.newBuilder()
              .setDistribution(DistributionCodec.encode(logProbs, wire, step, micros))
              .build());
      stage = Stage.AWAIT_TOKEN;
      arm(service.config().idleTimeout(), "no Token within ");
    } catch (RuntimeException e) {
      LOG.warn("session {}: encoding failed", id, e);
      end(EndCode.END_INTERNAL, "internal error: " + e);
    }
  }

  private void requireOpened(String what) {
    if (stage == Stage.AWAIT_OPEN) {
      throw SteerSessionException.protocol(what + " before Open");
    }
  }

  private void send(CloudMessage m) {
    long size = m.getSerializedSize();
    bytesDown += size;
    service.stats().down(size);
    out.send(m);
  }

  private void end(EndCode code, String reason) {
    finish(code, reason, true);
  }

  private void finish(EndCode code, String reason, boolean tell) {
    if (stage == Stage.ENDED) {
      return;
    }
    stage = Stage.ENDED;
    endCode = code;
    endReason = reason;
    cancelTimer();
    if (sequence != null) {
      service.engine().release(sequence);
      sequence = null;
    }
    if (permit) {
      service.releasePermit();
      permit = false;
    }
    service.stats().ended(code);
    service.forget(this);
    if (code != EndCode.END_OK) {
      LOG.info("session {} ended: {} {}", id, code, reason);
    }
    if (tell) {
      try {
        send(
            CloudMessage.newBuilder()
                .setEnd(End.newBuilder().setCode(code).setReason(clip(reason)))
                .build());
        out.complete();
      } catch (RuntimeException e) {
        LOG.debug("session {}: could not deliver End", id, e);
      }
    }
  }

  private void arm(Duration d, String what) {
    cancelTimer();
    try {
      timer =
          service
              .timers()
              .schedule(
                  () -> {
                    synchronized (CloudSession.this) {
                      end(EndCode.END_TIMEOUT, what + d.toMillis() + " ms");
                    }
                  },
                  d.toNanos(),
                  TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      timer = null; // service closing
    }
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  /** Ends the session because the service shuts down. */
  synchronized void shutdown() {
    end(EndCode.END_SHUTDOWN, "the cloud is shutting down");
  }

  public String id() {
    return id;
  }

  /** Protobuf bytes received from the device. */
  public synchronized long bytesUp() {
    return bytesUp;
  }

  /** Protobuf bytes sent to the device. */
  public synchronized long bytesDown() {
    return bytesDown;
  }

  /** How the session ended, or null while it runs. */
  public synchronized EndCode endCode() {
    return endCode;
  }

  public synchronized String endReason() {
    return endReason;
  }

  private static EndCode codeOf(SteerSessionException.Code c) {
    return switch (c) {
      case PROTOCOL -> EndCode.END_PROTOCOL;
      case UNAUTHENTICATED -> EndCode.END_UNAUTHENTICATED;
      case BUSY -> EndCode.END_BUSY;
      case TIMEOUT -> EndCode.END_TIMEOUT;
      case LIMIT -> EndCode.END_LIMIT;
      case SHUTDOWN -> EndCode.END_SHUTDOWN;
      case INTERNAL, TRANSPORT -> EndCode.END_INTERNAL;
    };
  }

  private static String clip(String s) {
    return s.length() <= 500 ? s : s.substring(0, 500) + "...";
  }
}
