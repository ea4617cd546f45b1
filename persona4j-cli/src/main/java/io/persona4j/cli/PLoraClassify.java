/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.adapters.plora.UserVectorFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code persona4j classify} with a PLoRA adapter: the user's vector from the adapter's user table
 * ({@code --user}) or from a user vector entry ({@code --user-vector}); without either, or for a
 * user the table does not know, the zero-shot path (no user term), which the output says.
 */
final class PLoraClassify {
  private PLoraClassify() {}

  static int run(Path model, Path adapter, String user, Path userVector, List<String> texts)
      throws IOException {
    try (PLoraSession s = PLoraSession.open(model, adapter, 0)) {
      float[] v = null;
      String mode;
      String who = user;
      if (userVector != null) {
        UserVectorFile entry = UserVectorFile.read(userVector);
        if (user != null && !user.equals(entry.userId())) {
          throw new IllegalArgumentException(
              "--user " + user + " but " + userVector + " holds user '" + entry.userId() + "'");
        }
        v = s.vectorOf(entry, userVector);
        who = entry.userId();
        mode = "personalized";
      } else if (user != null && s.plora.users().contains(user)) {
        v = s.plora.users().vector(user);
        mode = "personalized";
      } else {
        mode = "zero-shot";
        System.err.println(
            user == null
                ? "no --user: zero-shot (the shared adapter without a user term)"
                : "user '"
                    + user
                    + "' is not in "
                    + adapter
                    + " ("
                    + s.plora.users().size()
                    + " users): zero-shot; enrol it with persona4j plora enrol");
      }
      for (String text : texts) {
        Map<String, Object> r =
            new java.util.LinkedHashMap<>(
                ClassifyCommand.result(text, s.labels, s.probabilities(text, v)));
        r.put("user", who);
        r.put("mode", mode);
        System.out.println(Json.write(r));
      }
    }
    return 0;
  }
}
