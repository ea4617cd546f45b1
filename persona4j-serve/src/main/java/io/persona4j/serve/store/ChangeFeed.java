/*
 * Copyright The Persona4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.persona4j.serve.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the store's change log to listeners: one watcher thread per store, started by the first
 * subscription. It waits on the {@link Dialect.ChangeWaiter} (a sleep for SQLite, LISTEN for
 * PostgreSQL), then reads every change after the last one it delivered, so a missed notification or
 * a reconnect loses nothing (a watcher further behind than the log reaches gets {@link
 * StoreEvent.Type#RESYNC}).
 */
final class ChangeFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeFeed.class);

  private final Dialect dialect;
  private final DataSource pool;
  private final Duration poll;
  private final String display;
  private final List<StoreListener> listeners = new CopyOnWriteArrayList<>();
  private Thread thread;
  private volatile boolean closed;
  private volatile Dialect.ChangeWaiter waiter;
  private long lastSeq;

  ChangeFeed(Dialect dialect, DataSource pool, Duration poll, String display) {
    this.dialect = dialect;
    this.pool = pool;
    this.poll = poll;
    this.display = display;
  }

  synchronized StoreSubscription subscribe(StoreListener listener) throws SQLException {
    if (closed) {
      throw new IllegalStateException(display + " is closed");
    }
    if (thread == null) {
      lastSeq = state()[0];
      thread = new Thread(this::run, "persona4j-store-watcher");
      thread.setDaemon(true);
      thread.start();
    }
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  private void run() {
    int failures = 0;
    while (!closed) {
      try {
        if (waiter == null) {
          waiter = dialect.newWaiter();
        }
        deliverNew();
        waiter.await(poll);
        if (failures > 0) {
          LOG.info("{}: watching for changes again", display);
        }
        failures = 0;
      } catch (InterruptedException e) {
        break;
      } catch (SQLException | RuntimeException e) {
        if (closed) {
          break;
        }
        if (failures++ == 0) {
          LOG.warn("{}: cannot watch for changes ({}); retrying", display, e.getMessage());
        }
        closeWaiter();
        try {
          Thread.sleep(Math.min(5000, 100L * failures));
        } catch (InterruptedException ie) {
          break;
        }
      }
    }
    closeWaiter();
  }

  private void closeWaiter() {
    Dialect.ChangeWaiter w = waiter;
    waiter = null;
    if (w != null) {
      w.close();
    }
  }

  /** {change_seq, pruned_through}. */
  private long[] state() throws SQLException {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT change_seq, pruned_through FROM store_state WHERE id = 1")) {
      rs.next();
      return new long[] {rs.getLong(1), rs.getLong(2)};
    }
  }

  private void deliverNew() throws SQLException {
    List<StoreEvent> events = new ArrayList<>();
    long seen;
    try (Connection c = pool.getConnection()) {
      dialect.beginRead(c);
      try {
        long current;
        long pruned;
        try (Statement s = c.createStatement();
            ResultSet rs =
                s.executeQuery("SELECT change_seq, pruned_through FROM store_state WHERE id = 1")) {
          rs.next();
          current = rs.getLong(1);
          pruned = rs.getLong(2);
        }
        if (current <= lastSeq) {
          c.commit();
          return;
        }
        if (pruned > lastSeq) {
          events.add(new StoreEvent(current, StoreEvent.Type.RESYNC, null, null, 0));
        }
        try (PreparedStatement s =
            c.prepareStatement(
                "SELECT seq, change_type, user_id, kind, version FROM store_changes"
                    + " WHERE seq > ? AND seq <= ? ORDER BY seq")) {
          s.setLong(1, lastSeq);
          s.setLong(2, current);
          try (ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
              StoreEvent e = event(rs);
              if (e != null) {
                events.add(e);
              }
            }
          }
        }
        c.commit();
        seen = current;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
    lastSeq = seen;
    for (StoreEvent e : events) {
      for (StoreListener l : listeners) {
        try {
          l.onEvent(e);
        } catch (RuntimeException ex) {
          LOG.warn("{}: a store listener failed on {}: {}", display, e, ex.toString());
        }
      }
    }
  }

  private static StoreEvent event(ResultSet rs) throws SQLException {
    StoreEvent.Type type;
    try {
      type = StoreEvent.Type.valueOf(rs.getString(2));
    } catch (IllegalArgumentException e) {
      return null; // REDACTED: an erased user's change
    }
    long seq = rs.getLong(1);
    if (type == StoreEvent.Type.ERASED || type == StoreEvent.Type.RESYNC) {
      return new StoreEvent(seq, type, null, null, 0);
    }
    return new StoreEvent(
        seq, type, rs.getString(3), AdapterKind.of(rs.getString(4)), rs.getLong(5));
  }

  @Override
  public void close() {
    Thread t;
    synchronized (this) {
      closed = true;
      t = thread;
    }
    if (t != null) {
      t.interrupt();
      closeWaiter();
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
