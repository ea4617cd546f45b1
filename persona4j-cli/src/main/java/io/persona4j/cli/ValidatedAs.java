/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The names under which an option's value reaches the library's validation (a record component such
 * as {@code maxNewTokens}, a {@code config.json} field such as {@code num_hidden_layers}), so that
 * an error naming one of them names the option instead (see {@link CliErrors#describe}). Option
 * fields named like the library's field (e.g. {@code warmupSteps}) need no annotation.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
@interface ValidatedAs {
  String[] value();
}
