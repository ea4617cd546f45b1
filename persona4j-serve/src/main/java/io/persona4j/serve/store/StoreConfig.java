/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How to open an {@link AdapterStore}: a JDBC URL ({@code jdbc:sqlite:FILE} or {@code
 * jdbc:postgresql://HOST:PORT/DB}) with optional credentials and tuning. Built with {@link
 * #builder()}; {@link #fromEnvironment} adds credentials from the environment.
 */
public final class StoreConfig {
  /** Environment variable holding the default store URL. */
  public static final String ENV_URL = "PERSONA4J_STORE";

  /** Environment variables holding the database user and password (PostgreSQL). */
  public static final String ENV_USER = "PERSONA4J_STORE_USER";

  public static final String ENV_PASSWORD = "PERSONA4J_STORE_PASSWORD";

  private static final Pattern SECRET_PARAM =
      Pattern.compile("(?i)([?&;](password|sslpassword|sslkey)=)[^&;]*");
  private static final Pattern USER_INFO = Pattern.compile("(//)[^/@]*@");

  private final String url;
  private final String user;
  private final String password;
  private final int maxPoolSize;
  private final StoreLimits limits;
  private final Duration pollInterval;
  private final Duration connectTimeout;
  private final int changeRetention;

  private StoreConfig(Builder b) {
    if (b.url == null || b.url.isBlank()) {
      throw new IllegalArgumentException(
          "store URL is required (jdbc:sqlite:FILE or jdbc:postgresql://HOST:PORT/DB)");
    }
    this.url = b.url.trim();
    Backend.of(url); // validates the scheme
    this.user = b.user;
    this.password = b.password;
    if (b.maxPoolSize < 0 || b.maxPoolSize > 1000) {
      throw new IllegalArgumentException(
          "maxPoolSize = " + b.maxPoolSize + " must be in [1, 1000]");
    }
    this.maxPoolSize = b.maxPoolSize > 0 ? b.maxPoolSize : backend() == Backend.SQLITE ? 4 : 8;
    this.limits = b.limits;
    this.pollInterval =
        b.pollInterval != null
            ? positive(b.pollInterval, "pollInterval")
            : Duration.ofMillis(backend() == Backend.SQLITE ? 100 : 2000);
    this.connectTimeout = positive(b.connectTimeout, "connectTimeout");
    if (b.changeRetention < 4) {
      throw new IllegalArgumentException(
          "changeRetention = " + b.changeRetention + " must be >= 4");
    }
    this.changeRetention = b.changeRetention;
  }

  private static Duration positive(Duration d, String field) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(field + " = " + d + " must be > 0");
    }
    return d;
  }

  /** The backends a URL can name. */
  public enum Backend {
    SQLITE("jdbc:sqlite:"),
    POSTGRESQL("jdbc:postgresql:");

    private final String prefix;

    Backend(String prefix) {
      this.prefix = prefix;
    }

    /**
     * The backend of {@code url}.
     *
     * @throws IllegalArgumentException naming the URL and the supported forms
     */
    public static Backend of(String url) {
      String u = url == null ? "" : url.trim().toLowerCase(Locale.ROOT);
      for (Backend b : values()) {
        if (u.startsWith(b.prefix)) {
          return b;
        }
      }
      throw new IllegalArgumentException(
          "store URL "
              + StoreInputs.quote(redact(url))
              + " is not supported: use jdbc:sqlite:FILE (embedded, one file) or"
              + " jdbc:postgresql://HOST:PORT/DATABASE");
    }
  }

  /** A builder (DJL's convention: {@code setX} required, {@code optX} optional). */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A config for {@code url} with credentials from the environment when the URL has none: {@value
   * #ENV_USER} / {@value #ENV_PASSWORD}, else PostgreSQL's {@code PGUSER} / {@code PGPASSWORD}.
   */
  public static StoreConfig fromEnvironment(String url) {
    return fromEnvironment(url, System.getenv());
  }

  static StoreConfig fromEnvironment(String url, Map<String, String> env) {
    Builder b = builder().setUrl(url);
    if (Backend.of(url) == Backend.POSTGRESQL) {
      String user = env.getOrDefault(ENV_USER, env.get("PGUSER"));
      String password = env.getOrDefault(ENV_PASSWORD, env.get("PGPASSWORD"));
      if (user != null && !url.toLowerCase(Locale.ROOT).contains("user=")) {
        b.optUser(user);
      }
      if (password != null && !url.toLowerCase(Locale.ROOT).contains("password=")) {
        b.optPassword(password);
      }
    }
    return b.build();
  }

  /**
   * The default store: {@value #ENV_URL} if set, else an SQLite file {@code
   * $XDG_DATA_HOME/persona4j/store.db} ({@code ~/.local/share/persona4j/store.db} when {@code
   * XDG_DATA_HOME} is unset).
   */
  public static String defaultUrl() {
    return defaultUrl(System.getenv(), System.getProperty("user.home"));
  }

  static String defaultUrl(Map<String, String> env, String home) {
    String url = env.get(ENV_URL);
    if (url != null && !url.isBlank()) {
      return url.trim();
    }
    String xdg = env.get("XDG_DATA_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(home, ".local", "share");
    return "jdbc:sqlite:" + base.resolve("persona4j").resolve("store.db");
  }

  /** {@code url} without passwords, for messages and logs. */
  public static String redact(String url) {
    if (url == null) {
      return null;
    }
    return USER_INFO.matcher(SECRET_PARAM.matcher(url).replaceAll("$1***")).replaceAll("$1***@");
  }

  public String url() {
    return url;
  }

  /** The URL without passwords. */
  public String displayUrl() {
    return redact(url);
  }

  public Backend backend() {
    return Backend.of(url);
  }

  /** The database user, or null (from the URL or none). */
  public String user() {
    return user;
  }

  /** The database password, or null. */
  public String password() {
    return password;
  }

  public int maxPoolSize() {
    return maxPoolSize;
  }

  public StoreLimits limits() {
    return limits;
  }

  /**
   * How often watchers look for changes: SQLite polls at this interval (default 100 ms); PostgreSQL
   * is woken by NOTIFY and polls at this interval only as a fallback (default 2 s).
   */
  public Duration pollInterval() {
    return pollInterval;
  }

  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** Changes kept in the change log (10,000; smaller only in tests). */
  int changeRetention() {
    return changeRetention;
  }

  @Override
  public String toString() {
    return "StoreConfig[" + displayUrl() + "]";
  }

  /** Builds a {@link StoreConfig}. */
  public static final class Builder {
    private String url;
    private String user;
    private String password;
    private int maxPoolSize;
    private StoreLimits limits = StoreLimits.DEFAULT;
    private Duration pollInterval;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private int changeRetention = 10_000;

    private Builder() {}

    /** For tests of watchers that fall behind: a shorter change log. */
    Builder changeRetention(int changes) {
      this.changeRetention = changes;
      return this;
    }

    /** {@code jdbc:sqlite:FILE} or {@code jdbc:postgresql://HOST:PORT/DB[?user=...]}. */
    public Builder setUrl(String url) {
      this.url = url;
      return this;
    }

    public Builder optUser(String user) {
      this.user = user;
      return this;
    }

    public Builder optPassword(String password) {
      this.password = password;
      return this;
    }

    /** Connections in the pool; default 4 (SQLite), 8 (PostgreSQL). */
    public Builder optMaxPoolSize(int maxPoolSize) {
      this.maxPoolSize = maxPoolSize;
      return this;
    }

    /** Default {@link StoreLimits#DEFAULT}. */
    public Builder optLimits(StoreLimits limits) {
      this.limits = java.util.Objects.requireNonNull(limits, "limits");
      return this;
    }

    /** See {@link StoreConfig#pollInterval()}. */
    public Builder optPollInterval(Duration pollInterval) {
      this.pollInterval = pollInterval;
      return this;
    }

    /** How long to wait for a connection; default 10 s. */
    public Builder optConnectTimeout(Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
      return this;
    }

    /**
     * @throws IllegalArgumentException for a missing or unsupported URL or an invalid value
     */
    public StoreConfig build() {
      return new StoreConfig(this);
    }
  }
}
