/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class JsonErrorsTest {
  record Inner(int r, double alpha) {}

  record Settings(String baseModel, int rounds, Inner lora) {
    Settings {
      if (rounds < 0) {
        throw new IllegalArgumentException("rounds must be >= 0, got " + rounds);
      }
    }
  }

  static final ObjectMapper STRICT =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  static String describe(String json) {
    JsonProcessingException e =
        catchThrowableOfType(
            JsonProcessingException.class, () -> STRICT.readValue(json, Settings.class));
    assertThat(e).as(json).isNotNull();
    String message = JsonErrors.describe(e);
    assertThat(message)
        .as("no Java class names")
        .doesNotContain("io.persona4j")
        .doesNotContain("class ");
    return message;
  }

  @Test
  void anUnknownFieldListsTheValidOnesAndTheClosest() {
    assertThat(describe("{\"baseModel\": \"m\",\n \"roundz\": 3}"))
        .startsWith("unknown field 'roundz' (line 2, column")
        .contains("did you mean 'rounds'?")
        .endsWith("valid fields: baseModel, lora, rounds");
    assertThat(describe("{\"lora\": {\"r\": 2, \"beta\": 1}}"))
        .startsWith("unknown field 'lora.beta'")
        .endsWith("valid fields: alpha, r");
  }

  @Test
  void wrongTypesAndBadValuesNameTheField() {
    assertThat(describe("{\"rounds\": \"two\"}"))
        .startsWith("field 'rounds': \"two\" is not an integer");
    assertThat(describe("{\"rounds\": -1}")).contains("rounds must be >= 0, got -1");
    assertThat(describe("{\"rounds\": 1,,}")).startsWith("not valid JSON: ").contains("line 1");
  }

  @Test
  void cleanRemovesClassNotesFromJacksonText() {
    assertThat(
            JsonErrors.clean(
                "s.json: field 'x': Unrecognized field \"x\" (class io.persona4j.cli.FedConfig),"
                    + " not marked as ignorable (2 known properties: \"a\", \"b\"])"))
        .isEqualTo("s.json: field 'x': unknown field 'x'; valid fields: a, b");
    assertThat(JsonErrors.clean("Cannot deserialize value of type `java.lang.Integer` from"))
        .isEqualTo("Cannot deserialize value of type `Integer` from");
  }
}
