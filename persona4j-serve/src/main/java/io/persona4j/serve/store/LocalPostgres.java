/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL cluster from the machine's own binaries (Debian's {@code postgresql}
 * package: {@code /usr/lib/postgresql/<version>/bin}), for tests, benchmarks and trying the
 * PostgreSQL backend: {@code initdb} in a temporary directory, a server on a free loopback port
 * with a random password (SCRAM), no Unix socket; {@link #close()} stops it and deletes the
 * directory.
 *
 * <p>PostgreSQL refuses to run as root. When this JVM runs as root, the binaries run as the {@code
 * postgres} OS user (which Debian's package creates) through {@code runuser}, and the directory is
 * handed to that user.
 */
public final class LocalPostgres implements AutoCloseable {
  /** Environment variable naming the directory of {@code initdb} and {@code pg_ctl}. */
  public static final String ENV_BIN = "PERSONA4J_PG_BIN";

  /** The superuser the cluster is created with. */
  public static final String USER = "persona4j";

  private static final Pattern DB_NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");
  private static final long TIMEOUT_S = 120;

  private final Path bin;
  private final Path base;
  private final Path data;
  private final boolean asPostgresUser;
  private final String password;
  private final int port;
  private final Thread shutdownHook;
  private boolean stopped;

  private LocalPostgres(Builder b) throws IOException {
    this.bin = b.bin != null ? b.bin : findBinaries();
    this.asPostgresUser = isRoot();
    Path parent = b.parent != null ? b.parent : Path.of(System.getProperty("java.io.tmpdir"));
    Files.createDirectories(parent);
    this.base = Files.createTempDirectory(parent, "persona4j-pg-");
    this.data = base.resolve("data");
    byte[] secret = new byte[18];
    new SecureRandom().nextBytes(secret);
    this.password = HexFormat.of().formatHex(secret);
    boolean ok = false;
    try {
      Path pwfile = base.resolve("pwfile");
      Files.writeString(pwfile, password + "\n", StandardCharsets.UTF_8);
      if (asPostgresUser) {
        UserPrincipal pg = postgresUser();
        Files.setOwner(base, pg);
        Files.setOwner(pwfile, pg);
      }
      run(
          List.of(
              bin.resolve("initdb").toString(),
              "-D",
              data.toString(),
              "-U",
              USER,
              "--pwfile=" + pwfile,
              "--auth=scram-sha-256",
              "--encoding=UTF8",
              "--no-locale",
              "--no-sync"),
          "initdb");
      Files.delete(pwfile);
      this.port = startServer(b.fsync);
      ok = true;
    } finally {
      if (!ok) {
        deleteQuietly();
      }
    }
    this.shutdownHook = new Thread(this::stopQuietly, "persona4j-local-postgres-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts a cluster with the defaults (fsync on). */
  public static LocalPostgres start() throws IOException {
    return builder().build();
  }

  /** A builder (DJL's convention: {@code optX} optional). */
  public static Builder builder() {
    return new Builder();
  }

  private int startServer(boolean fsync) throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      int p = freePort();
      String options =
          "-p "
              + p
              + " -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200"
              + (fsync ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
      try {
        run(
            List.of(
                bin.resolve("pg_ctl").toString(),
                "-D",
                data.toString(),
                "-l",
                base.resolve("postgres.log").toString(),
                "-w",
                "-t",
                Long.toString(TIMEOUT_S),
                "-o",
                options,
                "start"),
            "pg_ctl start");
        return p;
      } catch (IOException e) {
        last = e; // most likely the port was taken meanwhile
      }
    }
    throw last;
  }

  /** The port the server listens on (127.0.0.1). */
  public int port() {
    return port;
  }

  /** The superuser's password (random). */
  public String password() {
    return password;
  }

  /** {@code jdbc:postgresql://127.0.0.1:PORT/DATABASE} (no credentials). */
  public String url(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  /** The cluster's data directory. */
  public Path dataDirectory() {
    return data;
  }

  /**
   * Creates database {@code name} (lower-case letters, digits, underscores) and returns its URL.
   */
  public String createDatabase(String name) {
    if (!DB_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "database name " + StoreInputs.quote(name) + " is invalid");
    }
    try (Connection c = connect("postgres");
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
    }
    return url(name);
  }

  /** A store config for {@code database} with this cluster's credentials. */
  public StoreConfig.Builder storeConfig(String database) {
    return StoreConfig.builder().setUrl(url(database)).optUser(USER).optPassword(password);
  }

  /** A superuser connection to {@code database}. */
  public Connection connect(String database) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", USER);
    p.setProperty("password", password);
    return DriverManager.getConnection(url(database), p);
  }

  /** Stops the server (fast shutdown) and deletes its directory. */
  @Override
  public synchronized void close() {
    stopQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // shutting down
    }
  }

  private synchronized void stopQuietly() {
    if (stopped) {
      return;
    }
    stopped = true;
    try {
      run(
          List.of(
              bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "stop"),
          "pg_ctl stop");
    } catch (IOException | RuntimeException e) {
      // the directory goes anyway
    }
    deleteQuietly();
  }

  private void deleteQuietly() {
    try (Stream<Path> walk = Files.walk(base)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      // best effort
    }
  }

  private void run(List<String> command, String what) throws IOException {
    List<String> cmd = new ArrayList<>();
    if (asPostgresUser) {
      cmd.addAll(List.of(runuser(), "-u", "postgres", "--"));
    }
    cmd.addAll(command);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(base.toFile()).redirectErrorStream(true);
    pb.environment().put("LC_ALL", "C");
    pb.environment().remove("PGDATA");
    Process p = pb.start();
    byte[] out;
    try {
      out = p.getInputStream().readAllBytes();
      if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(what + " did not finish within " + TIMEOUT_S + " s");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException(what + " interrupted", e);
    }
    if (p.exitValue() != 0) {
      String log = "";
      Path logFile = base.resolve("postgres.log");
      if (Files.isRegularFile(logFile)) {
        log = "\nserver log:\n" + tail(Files.readString(logFile));
      }
      throw new IOException(
          what
              + " failed (exit "
              + p.exitValue()
              + ", "
              + String.join(" ", cmd)
              + "):\n"
              + tail(new String(out, StandardCharsets.UTF_8))
              + log);
    }
  }

  private static String tail(String s) {
    return s.length() <= 3000 ? s : "..." + s.substring(s.length() - 3000);
  }

  /** {@value #ENV_BIN}, else the newest {@code /usr/lib/postgresql/<v>/bin}, else PATH. */
  static Path findBinaries() throws IOException {
    String env = System.getenv(ENV_BIN);
    if (env != null && !env.isBlank()) {
      Path p = Path.of(env);
      if (Files.isExecutable(p.resolve("initdb"))) {
        return p;
      }
      throw new IOException(ENV_BIN + "=" + env + " holds no executable initdb");
    }
    Path debian = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(debian)) {
      try (Stream<Path> versions = Files.list(debian)) {
        Path best =
            versions
                .filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
                .max(Comparator.comparingInt(LocalPostgres::majorVersion))
                .orElse(null);
        if (best != null) {
          return best.resolve("bin");
        }
      }
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "initdb"))) {
        return Path.of(dir);
      }
    }
    throw new IOException(
        "no PostgreSQL server binaries found (looked at $"
            + ENV_BIN
            + ", /usr/lib/postgresql/*/bin and PATH for initdb): install Debian's postgresql"
            + " package (apt-get install postgresql) or set "
            + ENV_BIN);
  }

  private static int majorVersion(Path versionDir) {
    try {
      return Integer.parseInt(versionDir.getFileName().toString());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static boolean isRoot() {
    return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
  }

  private static UserPrincipal postgresUser() throws IOException {
    UserPrincipalLookupService lookup =
        Path.of("/").getFileSystem().getUserPrincipalLookupService();
    try {
      return lookup.lookupPrincipalByName("postgres");
    } catch (IOException e) {
      throw new IOException(
          "PostgreSQL refuses to run as root, and there is no 'postgres' OS user to run it as:"
              + " install Debian's postgresql package (it creates the user) or run as another user",
          e);
    }
  }

  private static String runuser() throws IOException {
    for (String p : List.of("/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser")) {
      if (Files.isExecutable(Path.of(p))) {
        return p;
      }
    }
    throw new IOException(
        "running as root needs runuser (util-linux) to start PostgreSQL as the postgres user");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  /** Builds a {@link LocalPostgres}. */
  public static final class Builder {
    private Path bin;
    private Path parent;
    private boolean fsync = true;

    private Builder() {}

    /** Directory of initdb and pg_ctl; default: {@link LocalPostgres#findBinaries()}. */
    public Builder optBinDirectory(Path bin) {
      this.bin = bin;
      return this;
    }

    /** Where the cluster's temporary directory goes; default {@code java.io.tmpdir}. */
    public Builder optParentDirectory(Path parent) {
      this.parent = parent;
      return this;
    }

    /** Default true; false runs with fsync, synchronous_commit and full_page_writes off (tests). */
    public Builder optFsync(boolean fsync) {
      this.fsync = fsync;
      return this;
    }

    /**
     * Initializes and starts the cluster.
     *
     * @throws IOException naming the failing step, with its output and the server log
     */
    public LocalPostgres build() throws IOException {
      return new LocalPostgres(this);
    }
  }
}
