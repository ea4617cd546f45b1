/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import io.persona4j.core.model.ModelFingerprint;
import java.time.Instant;
import java.util.Optional;

/**
 * One stored version of a user's adapter of one kind: its metadata (the payload is read with {@link
 * AdapterStore#read}). Versions are immutable once published; only which one is active changes.
 *
 * @param userId the user
 * @param kind what the entry is
 * @param version 1, 2, ... per user and kind, in publishing order
 * @param baseModelFingerprint the {@link ModelFingerprint} of the base model the entry belongs to
 * @param baseModelCheck whether the fingerprint was recorded in the files or assumed after a shape
 *     check
 * @param lora rank, alpha and targets for the kinds that have them ({@link AdapterKind#LORA},
 *     {@link AdapterKind#CLASSIFIER}, {@link AdapterKind#MOE}), else null
 * @param byteSize total bytes of the payload's files
 * @param fileCount number of files in the payload
 * @param contentHash {@link AdapterPayload#contentHash()} of the payload, verified on every read
 * @param createdAt when it was published (the database's clock for PostgreSQL, the publishing
 *     process's for SQLite)
 * @param source what produced it
 * @param active whether it was the user's active version of its kind when this was read
 */
public record AdapterEntry(
    String userId,
    AdapterKind kind,
    long version,
    String baseModelFingerprint,
    BaseModelCheck baseModelCheck,
    LoraShape lora,
    long byteSize,
    int fileCount,
    String contentHash,
    Instant createdAt,
    AdapterSource source,
    boolean active) {

  /**
   * @throws IllegalArgumentException naming the field for a missing or invalid value
   */
  public AdapterEntry {
    StoreInputs.checkUserId(userId);
    require(kind != null, "kind", null);
    require(version >= 1, "version", version);
    ModelFingerprint.requireWellFormed(baseModelFingerprint, "entry base_model_fingerprint");
    require(baseModelCheck != null, "baseModelCheck", null);
    require(byteSize >= 0, "byteSize", byteSize);
    require(fileCount >= 1, "fileCount", fileCount);
    require(ContentHash.isWellFormed(contentHash), "contentHash", contentHash);
    require(createdAt != null, "createdAt", null);
    require(source != null, "source", null);
  }

  private static void require(boolean ok, String field, Object value) {
    if (!ok) {
      throw new IllegalArgumentException("adapter entry: " + field + " = " + value + " is invalid");
    }
  }

  /** The LoRA hyper-parameters, if the kind has them. */
  public Optional<LoraShape> loraShape() {
    return Optional.ofNullable(lora);
  }

  /** {@code user 'u' kind lora version 3}, for messages. */
  public String describe() {
    return StoreInputs.describe(userId, kind, version);
  }

  /** This entry with {@link #active()} set to {@code value}. */
  public AdapterEntry withActive(boolean value) {
    return value == active
        ? this
        : new AdapterEntry(
            userId,
            kind,
            version,
            baseModelFingerprint,
            baseModelCheck,
            lora,
            byteSize,
            fileCount,
            contentHash,
            createdAt,
            source,
            value);
  }

  /** A builder (DJL's convention: {@code setX} required, {@code optX} optional). */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds an {@link AdapterEntry}; {@link #build()} validates. */
  public static final class Builder {
    private String userId;
    private AdapterKind kind;
    private long version;
    private String fingerprint;
    private BaseModelCheck check = BaseModelCheck.FINGERPRINT;
    private LoraShape lora;
    private long byteSize = -1;
    private int fileCount;
    private String contentHash;
    private Instant createdAt;
    private AdapterSource source = AdapterSource.manual(null);
    private boolean active;

    private Builder() {}

    public Builder setUserId(String userId) {
      this.userId = userId;
      return this;
    }

    public Builder setKind(AdapterKind kind) {
      this.kind = kind;
      return this;
    }

    public Builder setVersion(long version) {
      this.version = version;
      return this;
    }

    public Builder setBaseModelFingerprint(String fingerprint) {
      this.fingerprint = fingerprint;
      return this;
    }

    /** Sets byte size, file count and content hash from {@code payload}. */
    public Builder setPayload(AdapterPayload payload) {
      this.byteSize = payload.byteSize();
      this.fileCount = payload.fileCount();
      this.contentHash = payload.contentHash();
      return this;
    }

    public Builder setCreatedAt(Instant createdAt) {
      this.createdAt = createdAt;
      return this;
    }

    /** Default {@link BaseModelCheck#FINGERPRINT}. */
    public Builder optBaseModelCheck(BaseModelCheck check) {
      this.check = check;
      return this;
    }

    public Builder optLora(LoraShape lora) {
      this.lora = lora;
      return this;
    }

    /** Default {@link AdapterSource#manual} without a note. */
    public Builder optSource(AdapterSource source) {
      this.source = source;
      return this;
    }

    public Builder optActive(boolean active) {
      this.active = active;
      return this;
    }

    /** Sets size, count and hash directly (as read from the database). */
    Builder setContent(long byteSize, int fileCount, String contentHash) {
      this.byteSize = byteSize;
      this.fileCount = fileCount;
      this.contentHash = contentHash;
      return this;
    }

    public AdapterEntry build() {
      return new AdapterEntry(
          userId,
          kind,
          version,
          fingerprint,
          check,
          lora,
          byteSize,
          fileCount,
          contentHash,
          createdAt,
          source,
          active);
    }
  }
}
