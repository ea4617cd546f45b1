/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.cli;

import io.persona4j.serve.store.AdapterEntry;
import io.persona4j.serve.store.AdapterKind;
import io.persona4j.serve.store.AdapterSource;
import io.persona4j.serve.store.AdapterStore;
import io.persona4j.serve.store.ErasureReport;
import io.persona4j.serve.store.NoSuchAdapterException;
import io.persona4j.serve.store.PublishResult;
import io.persona4j.serve.store.StoreConfig;
import io.persona4j.serve.store.StoredAdapter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code persona4j store ...}: the per-user adapter store (put, list, get, rollback, delete) on
 * SQLite or PostgreSQL.
 */
@Command(
    name = "store",
    mixinStandardHelpOptions = true,
    description = {
      "The per-user adapter store: versioned LoRA adapters, classifier heads, iLoRA mixtures,"
          + " soft prompts and user vectors, one active version per user and kind.",
      "--store takes jdbc:sqlite:FILE or jdbc:postgresql://HOST:PORT/DB; default $"
          + StoreConfig.ENV_URL
          + ", else an SQLite file at $XDG_DATA_HOME/persona4j/store.db"
          + " (~/.local/share/persona4j/store.db)."
    },
    subcommands = {
      StoreCommand.Put.class,
      StoreCommand.ListEntries.class,
      StoreCommand.Get.class,
      StoreCommand.Rollback.class,
      StoreCommand.Delete.class
    })
final class StoreCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** {@code --store URL}, shared by the subcommands (and by train's --publish-to). */
  static final class StoreOption {
    @Option(
        names = "--store",
        paramLabel = "URL",
        description = {
          "Adapter store: jdbc:sqlite:FILE or jdbc:postgresql://HOST:PORT/DB (credentials in the"
              + " URL or $"
              + StoreConfig.ENV_USER
              + "/$"
              + StoreConfig.ENV_PASSWORD
              + ", else $PGUSER/$PGPASSWORD).",
          "Default: $"
              + StoreConfig.ENV_URL
              + ", else jdbc:sqlite:~/.local/share/persona4j/store.db"
        })
    String url;

    String url() {
      return url != null ? url : StoreConfig.defaultUrl();
    }

    AdapterStore open() {
      return AdapterStore.open(url());
    }
  }

  static AdapterKind kind(String id) {
    return id == null ? null : AdapterKind.of(id);
  }

  /** {@code store put}. */
  @Command(
      name = "put",
      mixinStandardHelpOptions = true,
      description =
          "Publish an adapter directory as the user's next version and make it active (one"
              + " transaction). The base model's fingerprint must match the one the adapter"
              + " records; an adapter that records none is accepted with a warning when its"
              + " shapes fit the base.")
  static final class Put implements Callable<Integer> {
    @Mixin StoreOption store;

    @Option(names = "--user", required = true, description = "User id.")
    String user;

    @Option(
        names = "--adapter",
        required = true,
        paramLabel = "DIR",
        description = "Adapter directory.")
    Path adapter;

    @Option(
        names = "--model",
        required = true,
        paramLabel = "DIR",
        description = "The base model it is for.")
    Path model;

    @Option(
        names = "--kind",
        description =
            "lora, classifier, moe, soft_prompt or user_vector (default: detected from the files).")
    String kind;

    @Option(
        names = "--source",
        defaultValue = "manual",
        description =
            "What produced it: manual, training, federated or enrolment (default manual).")
    String source;

    @Option(names = "--run", description = "The producing run's id.")
    String run;

    @Option(names = "--round", description = "The federated round (with --source federated).")
    Integer round;

    @Option(names = "--note", description = "Free text stored with the entry.")
    String note;

    @Option(names = "--no-activate", description = "Store the version without making it active.")
    boolean noActivate;

    @Override
    public Integer call() throws Exception {
      AdapterSource.Type type;
      try {
        type = AdapterSource.Type.valueOf(source.toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "--source '" + source + "' is not one of manual, training, federated, enrolment");
      }
      AdapterSource src = new AdapterSource(type, run, round, note);
      try (AdapterStore s = store.open()) {
        PublishResult r =
            StorePublishing.publish(
                s, user, adapter, model, kind(kind), src, !noActivate, p -> true);
        StorePublishing.print(s, r, System.out, System.err);
      }
      return 0;
    }
  }

  /** {@code store list}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description =
          "List entries: every version of one user (--user), or every user's active entries.")
  static final class ListEntries implements Callable<Integer> {
    @Mixin StoreOption store;

    @Option(names = "--user", description = "Only this user (all versions).")
    String user;

    @Option(names = "--kind", description = "Only this kind.")
    String kind;

    @Option(names = "--json", description = "One JSON object per line instead of a table.")
    boolean json;

    @Override
    public Integer call() {
      AdapterKind k = kind(kind);
      try (AdapterStore s = store.open()) {
        StoreTable table = new StoreTable(json);
        if (user != null) {
          List<AdapterEntry> entries = k == null ? s.list(user) : s.list(user, k);
          if (entries.isEmpty() && !json) {
            System.err.println(
                s.displayUrl()
                    + ": nothing stored for user '"
                    + user
                    + "'"
                    + (k == null ? "" : " kind " + k));
          }
          entries.forEach(table::add);
        } else {
          String after = null;
          for (List<String> page; !(page = s.users(after, 1000)).isEmpty(); ) {
            s.activeEntries(page).stream()
                .filter(e -> k == null || e.kind() == k)
                .forEach(table::add);
            table.flush(System.out);
            after = page.get(page.size() - 1);
          }
        }
        table.flush(System.out);
      }
      return 0;
    }
  }

  /** {@code store get}. */
  @Command(
      name = "get",
      mixinStandardHelpOptions = true,
      description =
          "Write a version's files (default: the active one) into a new or empty directory,"
              + " byte for byte, after verifying its content hash.")
  static final class Get implements Callable<Integer> {
    @Mixin StoreOption store;

    @Option(names = "--user", required = true, description = "User id.")
    String user;

    @Option(names = "--kind", defaultValue = "lora", description = "Kind (default lora).")
    String kind;

    @Option(names = "--version", description = "Version (default: the active one).")
    Long version;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Override
    public Integer call() throws Exception {
      AdapterKind k = AdapterKind.of(kind);
      try (AdapterStore s = store.open()) {
        StoredAdapter a =
            version != null
                ? s.read(user, k, version)
                : s.readActive(user, k)
                    .orElseThrow(
                        () ->
                            new NoSuchAdapterException(
                                s.displayUrl()
                                    + ": user '"
                                    + user
                                    + "' has no active "
                                    + k
                                    + " entry"
                                    + (s.list(user).isEmpty()
                                        ? " (nothing stored for this user)"
                                        : "")));
        Path dir = a.payload().writeTo(out);
        AdapterEntry e = a.entry();
        System.err.printf(
            "%s: wrote %s (%d files, %d bytes, %s verified) to %s%n",
            s.displayUrl(), e.describe(), e.fileCount(), e.byteSize(), e.contentHash(), dir);
      }
      return 0;
    }
  }

  /** {@code store rollback}. */
  @Command(
      name = "rollback",
      mixinStandardHelpOptions = true,
      description = "Make an earlier (or later) existing version the user's active one.")
  static final class Rollback implements Callable<Integer> {
    @Mixin StoreOption store;

    @Option(names = "--user", required = true, description = "User id.")
    String user;

    @Option(names = "--kind", defaultValue = "lora", description = "Kind (default lora).")
    String kind;

    @Option(
        names = "--to",
        required = true,
        paramLabel = "N",
        description = "The version to activate.")
    long to;

    @Override
    public Integer call() {
      try (AdapterStore s = store.open()) {
        AdapterEntry e = s.rollback(user, AdapterKind.of(kind), to);
        System.err.printf("%s: %s is now active%n", s.displayUrl(), e.describe());
      }
      return 0;
    }
  }

  /** {@code store delete}. */
  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description =
          "Delete every version of every kind of a user and its bytes (the right to erasure),"
              + " and say what may remain on disk.")
  static final class Delete implements Callable<Integer> {
    @Mixin StoreOption store;

    @Option(names = "--user", required = true, description = "User id.")
    String user;

    @Option(
        names = "--compact",
        description =
            "Then rewrite the store without the freed space (SQLite VACUUM; PostgreSQL VACUUM FULL,"
                + " which locks the store's tables while it runs).")
    boolean compact;

    @Override
    public Integer call() {
      try (AdapterStore s = store.open()) {
        ErasureReport r = s.deleteUser(user);
        if (r.versionsDeleted() == 0) {
          System.err.printf("%s: nothing was stored for user '%s'%n", s.displayUrl(), user);
        } else {
          System.err.printf(
              "%s: deleted user '%s': %d versions, %d bytes%n",
              s.displayUrl(), user, r.versionsDeleted(), r.bytesDeleted());
        }
        if (compact) {
          s.compact();
          System.err.println("compacted: the store's files were rewritten without deleted rows");
        } else if (r.versionsDeleted() > 0) {
          System.err.println(
              (r.physicallyPurged() ? "on disk: " : "on disk (not yet purged): ") + r.residue());
        }
      }
      return 0;
    }
  }
}
