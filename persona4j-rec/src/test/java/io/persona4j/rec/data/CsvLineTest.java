/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.rec.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CsvLineTest {
  @Test
  void plainFieldsAreSplitAndNotTrimmed() {
    assertThat(CsvLine.parse("1,2294,2.5,1260759108"))
        .containsExactly("1", "2294", "2.5", "1260759108");
    assertThat(CsvLine.parse(" a , b")).containsExactly(" a ", " b");
  }

  @Test
  void emptyFieldsAreKept() {
    assertThat(CsvLine.parse("")).containsExactly("");
    assertThat(CsvLine.parse("a,")).containsExactly("a", "");
    assertThat(CsvLine.parse(",a")).containsExactly("", "a");
    assertThat(CsvLine.parse(",,")).containsExactly("", "", "");
    assertThat(CsvLine.parse("\"\",x")).containsExactly("", "x");
  }

  @Test
  void quotedFieldsKeepDelimitersAndUnescapeDoubledQuotes() {
    assertThat(CsvLine.parse("7,\"American President, The (1995)\",Comedy|Drama|Romance"))
        .containsExactly("7", "American President, The (1995)", "Comedy|Drama|Romance");
    assertThat(CsvLine.parse("51372,\"\"\"Great Performances\"\" Cats (1998)\",Musical"))
        .containsExactly("51372", "\"Great Performances\" Cats (1998)", "Musical");
    assertThat(CsvLine.parse("\"11'09\"\"01 - September 11 (2002)\""))
        .containsExactly("11'09\"01 - September 11 (2002)");
    assertThat(CsvLine.parse("\"\"\"\"")).containsExactly("\"");
    assertThat(CsvLine.parse("\"a,b\",\"c\"\"d\",\"\"")).containsExactly("a,b", "c\"d", "");
  }

  @Test
  void otherDelimiters() {
    assertThat(CsvLine.parse("1\t2\t\"x\ty\"", '\t')).containsExactly("1", "2", "x\ty");
    assertThat(CsvLine.parse("a|b,c|", '|')).containsExactly("a", "b,c", "");
    assertThatThrownBy(() -> CsvLine.parse("a", '"')).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void malformedLinesNameThePosition() {
    assertThatThrownBy(() -> CsvLine.parse("1,\"abc,2"))
        .isInstanceOfSatisfying(
            CsvLine.MalformedException.class, e -> assertThat(e.position()).isEqualTo(3))
        .hasMessageContaining("unterminated quoted field");
    assertThatThrownBy(() -> CsvLine.parse("\"ab\"c,d"))
        .isInstanceOfSatisfying(
            CsvLine.MalformedException.class, e -> assertThat(e.position()).isEqualTo(5))
        .hasMessageContaining("text after the closing quote");
    assertThatThrownBy(() -> CsvLine.parse("ab\"c\",d"))
        .isInstanceOfSatisfying(
            CsvLine.MalformedException.class, e -> assertThat(e.position()).isEqualTo(3))
        .hasMessageContaining("quote inside an unquoted field");
  }

  @Test
  void roundTripsFieldsWrittenByAnIndependentQuoter() {
    List<String> fields = List.of("", "plain", "with,comma", "with \"quotes\"", "\"", ",,", "é|ü");
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        line.append(',');
      }
      line.append('"').append(fields.get(i).replace("\"", "\"\"")).append('"');
    }
    assertThat(CsvLine.parse(line.toString())).isEqualTo(fields);
  }
}
