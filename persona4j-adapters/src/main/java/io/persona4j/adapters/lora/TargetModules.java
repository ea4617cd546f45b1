/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.adapters.lora;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * PEFT's {@code target_modules} (and {@code exclude_modules}): either a list of module names, which
 * match a module path equal to a name or ending in {@code "." + name}, or one regular expression,
 * which must match the whole path ({@code re.fullmatch}). The string {@value #ALL_LINEAR} is PEFT's
 * shorthand for every linear layer but the output head.
 *
 * <p>Exactly one of {@code names} and {@code regex} is non-null.
 *
 * @param names module names, e.g. {@code q_proj}, {@code self_attn.v_proj}
 * @param regex a Java regular expression (PEFT's Python ones for module paths are compatible)
 */
public record TargetModules(List<String> names, String regex) {
  /** PEFT's shorthand for all linear layers except the output layer. */
  public static final String ALL_LINEAR = "all-linear";

  /**
   * @throws IllegalArgumentException if both or neither are given, a name is blank, or the regex
   *     does not compile
   */
  public TargetModules {
    if ((names == null) == (regex == null)) {
      throw new IllegalArgumentException("target modules need either names or a regex");
    }
    if (names != null) {
      names = List.copyOf(names);
      for (String n : names) {
        if (n.isBlank()) {
          throw new IllegalArgumentException("blank module name in " + names);
        }
      }
    } else if (!regex.equalsIgnoreCase(ALL_LINEAR)) {
      try {
        Pattern.compile(regex);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException(
            "'" + regex + "' is not a valid regular expression: " + e.getDescription(), e);
      }
    }
  }

  /** A list of module names. */
  public static TargetModules names(String... names) {
    return new TargetModules(List.of(names), null);
  }

  /** A regular expression that must match whole module paths. */
  public static TargetModules regex(String regex) {
    return new TargetModules(null, regex);
  }

  /** Binds a JSON string (regex) or array of strings (names). */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static TargetModules fromJson(JsonNode node) {
    if (node.isTextual()) {
      return regex(node.asText());
    }
    if (node.isArray()) {
      List<String> names = new ArrayList<>();
      for (JsonNode n : node) {
        if (!n.isTextual()) {
          throw new IllegalArgumentException("module names must be strings, got " + n);
        }
        names.add(n.asText());
      }
      return new TargetModules(names, null);
    }
    throw new IllegalArgumentException("expected a list of names or a regex string, got " + node);
  }

  /** The JSON form: the regex string or the list of names. */
  @JsonValue
  Object toJson() {
    return regex != null ? regex : names;
  }

  /** Whether this is PEFT's {@value #ALL_LINEAR} shorthand (in any case, as PEFT compares). */
  public boolean isAllLinear() {
    return ALL_LINEAR.equalsIgnoreCase(regex);
  }

  /**
   * Whether module {@code path} is selected, as PEFT decides it: a regex must match the whole path;
   * a name must equal the path or be a dot-separated suffix of it. {@value #ALL_LINEAR} matches
   * everything (the caller offers only linear layers).
   */
  public boolean matches(String path) {
    Objects.requireNonNull(path, "path");
    if (regex != null) {
      return isAllLinear() || Pattern.matches(regex, path);
    }
    for (String n : names) {
      if (path.equals(n) || path.endsWith("." + n)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return regex != null ? "regex '" + regex + "'" : names.toString();
  }
}
