/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What {@link AdapterStore#publish} stores: a user's payload, the base model it is for, and how it
 * came about. Built with {@link #builder()}.
 *
 * @param userId the user
 * @param kind the entry's kind, or null to detect it from the files
 * @param payload the files
 * @param baseModel the base model the entry is published for
 * @param source what produced it
 * @param activate whether the new version becomes the user's active one (in the same transaction)
 */
public record PublishRequest(
    String userId,
    AdapterKind kind,
    AdapterPayload payload,
    BaseModel baseModel,
    AdapterSource source,
    boolean activate) {

  /**
   * @throws IllegalArgumentException naming the field for an invalid user id or a missing payload,
   *     base model or source
   */
  public PublishRequest {
    StoreInputs.checkUserId(userId);
    if (payload == null) {
      throw new IllegalArgumentException("publish: the payload (adapter files) is required");
    }
    if (baseModel == null) {
      throw new IllegalArgumentException(
          "publish: the base model is required (its fingerprint ties the entry to its weights)");
    }
    if (source == null) {
      throw new IllegalArgumentException("publish: the source is required");
    }
  }

  /** A builder (DJL's convention: {@code setX} required, {@code optX} optional). */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link PublishRequest}. */
  public static final class Builder {
    private String userId;
    private AdapterKind kind;
    private AdapterPayload payload;
    private BaseModel baseModel;
    private AdapterSource source = AdapterSource.manual(null);
    private boolean activate = true;

    private Builder() {}

    public Builder setUserId(String userId) {
      this.userId = userId;
      return this;
    }

    public Builder setPayload(AdapterPayload payload) {
      this.payload = payload;
      return this;
    }

    /** Reads every file of {@code dir} ({@link AdapterPayload#readDirectory(Path)}). */
    public Builder setDirectory(Path dir) throws IOException {
      this.payload = AdapterPayload.readDirectory(dir);
      return this;
    }

    public Builder setBaseModel(BaseModel baseModel) {
      this.baseModel = baseModel;
      return this;
    }

    /** The kind; default: detected from the files. */
    public Builder optKind(AdapterKind kind) {
      this.kind = kind;
      return this;
    }

    /** Default {@link AdapterSource#manual} without a note. */
    public Builder optSource(AdapterSource source) {
      this.source = source;
      return this;
    }

    /** Default true: the new version becomes active in the publishing transaction. */
    public Builder optActivate(boolean activate) {
      this.activate = activate;
      return this;
    }

    public PublishRequest build() {
      return new PublishRequest(userId, kind, payload, baseModel, source, activate);
    }
  }
}
