-- Persona4j adapter store, schema version 1 (SQLite). See docs/ADAPTER-STORE.md.

-- One row: the change counter (bumped by every write transaction, first thing, which also takes
-- SQLite's write lock) and how far the change log has been pruned.
CREATE TABLE store_state (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  change_seq     INTEGER NOT NULL,
  pruned_through INTEGER NOT NULL
);
INSERT INTO store_state (id, change_seq, pruned_through) VALUES (1, 0, 0);

-- Per user and kind: the active version (NULL: none) and the next version number.
CREATE TABLE adapter_heads (
  user_id        TEXT    NOT NULL,
  kind           TEXT    NOT NULL,
  active_version INTEGER,
  next_version   INTEGER NOT NULL,
  PRIMARY KEY (user_id, kind)
);

-- One row per stored version (immutable once committed).
CREATE TABLE adapter_entries (
  entry_id         INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id          TEXT    NOT NULL,
  kind             TEXT    NOT NULL,
  version          INTEGER NOT NULL,
  base_fingerprint TEXT    NOT NULL,
  base_check       TEXT    NOT NULL,
  lora_rank        INTEGER,
  lora_alpha       REAL,
  lora_targets     TEXT,
  byte_size        INTEGER NOT NULL,
  file_count       INTEGER NOT NULL,
  content_hash     TEXT    NOT NULL,
  created_at       INTEGER NOT NULL,
  source_type      TEXT    NOT NULL,
  source_run       TEXT,
  source_round     INTEGER,
  source_note      TEXT,
  UNIQUE (user_id, kind, version)
);

-- The files of an entry, with each file's own hash.
CREATE TABLE adapter_files (
  entry_id  INTEGER NOT NULL REFERENCES adapter_entries (entry_id) ON DELETE CASCADE,
  file_no   INTEGER NOT NULL,
  path      TEXT    NOT NULL,
  byte_size INTEGER NOT NULL,
  sha256    TEXT    NOT NULL,
  PRIMARY KEY (entry_id, file_no),
  UNIQUE (entry_id, path)
);

-- File contents in chunks of at most 1 MiB.
CREATE TABLE adapter_chunks (
  entry_id INTEGER NOT NULL,
  file_no  INTEGER NOT NULL,
  chunk_no INTEGER NOT NULL,
  data     BLOB    NOT NULL,
  PRIMARY KEY (entry_id, file_no, chunk_no),
  FOREIGN KEY (entry_id, file_no) REFERENCES adapter_files (entry_id, file_no) ON DELETE CASCADE
);

-- The change log that watchers read (the last 10,000 changes).
CREATE TABLE store_changes (
  seq         INTEGER PRIMARY KEY,
  change_type TEXT    NOT NULL,
  user_id     TEXT,
  kind        TEXT,
  version     INTEGER,
  changed_at  INTEGER NOT NULL
);
CREATE INDEX store_changes_user ON store_changes (user_id);
