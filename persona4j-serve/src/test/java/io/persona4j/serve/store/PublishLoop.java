/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The child process of {@link CrashDuringPublishTest}: publishes versions of one user's adapter
 * (each with a 1 to 4 MiB extra file, so that a publish takes a while) in a loop until it is
 * killed, printing {@code begin N} before and {@code committed N} after each publish.
 *
 * <p>Arguments: store URL (credentials from the environment), base model directory, user id, seed.
 */
public final class PublishLoop {
  private PublishLoop() {}

  public static void main(String[] args) throws Exception {
    String url = args[0];
    BaseModel base = BaseModel.of(Path.of(args[1]));
    String user = args[2];
    Random random = new Random(Long.parseLong(args[3]));
    Path scratch = Files.createTempDirectory("publish-loop-");
    AdapterPayload lora = new TestAdapters.Lora(base).seed(random.nextLong()).payload(scratch);
    try (AdapterStore store = AdapterStore.open(url)) {
      System.out.println("ready");
      System.out.flush();
      for (int i = 1; ; i++) {
        byte[] blob = new byte[(1 + random.nextInt(4)) << 20];
        random.nextBytes(blob);
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String p : lora.paths()) {
          files.put(p, lora.bytes(p));
        }
        files.put("blob.bin", blob);
        System.out.println("begin " + i);
        System.out.flush();
        PublishResult r =
            store.publish(
                PublishRequest.builder()
                    .setUserId(user)
                    .setPayload(AdapterPayload.of(files))
                    .setBaseModel(base)
                    .optSource(AdapterSource.training("crash-loop", "iteration " + i))
                    .build());
        System.out.println("committed " + r.entry().version());
        System.out.flush();
      }
    }
  }
}
