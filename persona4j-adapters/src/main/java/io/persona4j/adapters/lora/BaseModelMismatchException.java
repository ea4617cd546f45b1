/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import io.persona4j.core.model.ModelFingerprint;
import java.nio.file.Path;

/**
 * An adapter was trained on a different base model than the one it is being loaded into (their
 * {@link ModelFingerprint}s differ). Applying it would compute something nobody trained; load it
 * into its own base, or force it ({@link LoraModel#setAllowBaseMismatch}).
 */
public final class BaseModelMismatchException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String adapterBase;
  private final String modelBase;

  /**
   * @param adapterDir the adapter's directory
   * @param adapterBase the fingerprint recorded in the adapter
   * @param modelBase the fingerprint of the model it is loaded into
   * @param modelDir where that model was loaded from, or null
   */
  public BaseModelMismatchException(
      Path adapterDir, String adapterBase, String modelBase, Path modelDir) {
    super(
        adapterDir
            + ": the adapter was trained on base model "
            + adapterBase
            + ", but the model it is loaded into"
            + (modelDir == null ? "" : " (" + modelDir + ")")
            + " is "
            + modelBase
            + "; load it into the model it was trained on, or force it (--force on the command"
            + " line, LoraModel.setAllowBaseMismatch(true) in the API)");
    this.adapterBase = adapterBase;
    this.modelBase = modelBase;
  }

  /** The fingerprint recorded in the adapter. */
  public String adapterBase() {
    return adapterBase;
  }

  /** The fingerprint of the model the adapter was to be loaded into. */
  public String modelBase() {
    return modelBase;
  }
}
