-- Persona4j adapter store, schema version 1 (PostgreSQL). See docs/ADAPTER-STORE.md.
-- User ids compare bytewise (COLLATE "C"), as in SQLite, so listings page the same way.

CREATE TABLE store_state (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  change_seq     BIGINT NOT NULL,
  pruned_through BIGINT NOT NULL
);
INSERT INTO store_state (id, change_seq, pruned_through) VALUES (1, 0, 0);

CREATE TABLE adapter_heads (
  user_id        TEXT COLLATE "C" NOT NULL,
  kind           TEXT   NOT NULL,
  active_version BIGINT,
  next_version   BIGINT NOT NULL,
  PRIMARY KEY (user_id, kind)
);

CREATE TABLE adapter_entries (
  entry_id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id          TEXT COLLATE "C" NOT NULL,
  kind             TEXT    NOT NULL,
  version          BIGINT  NOT NULL,
  base_fingerprint TEXT    NOT NULL,
  base_check       TEXT    NOT NULL,
  lora_rank        INTEGER,
  lora_alpha       DOUBLE PRECISION,
  lora_targets     TEXT,
  byte_size        BIGINT  NOT NULL,
  file_count       INTEGER NOT NULL,
  content_hash     TEXT    NOT NULL,
  created_at       BIGINT  NOT NULL,
  source_type      TEXT    NOT NULL,
  source_run       TEXT,
  source_round     INTEGER,
  source_note      TEXT,
  UNIQUE (user_id, kind, version)
);

CREATE TABLE adapter_files (
  entry_id  BIGINT  NOT NULL REFERENCES adapter_entries (entry_id) ON DELETE CASCADE,
  file_no   INTEGER NOT NULL,
  path      TEXT    NOT NULL,
  byte_size BIGINT  NOT NULL,
  sha256    TEXT    NOT NULL,
  PRIMARY KEY (entry_id, file_no),
  UNIQUE (entry_id, path)
);

CREATE TABLE adapter_chunks (
  entry_id BIGINT  NOT NULL,
  file_no  INTEGER NOT NULL,
  chunk_no INTEGER NOT NULL,
  data     BYTEA   NOT NULL,
  PRIMARY KEY (entry_id, file_no, chunk_no),
  FOREIGN KEY (entry_id, file_no) REFERENCES adapter_files (entry_id, file_no) ON DELETE CASCADE
);
-- Weights do not compress: store them out of line without trying.
ALTER TABLE adapter_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

CREATE TABLE store_changes (
  seq         BIGINT PRIMARY KEY,
  change_type TEXT   NOT NULL,
  user_id     TEXT COLLATE "C",
  kind        TEXT,
  version     BIGINT,
  changed_at  BIGINT NOT NULL
);
CREATE INDEX store_changes_user ON store_changes (user_id);
