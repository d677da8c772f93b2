// The SQLite schema, as numbered migrations. Flows are not here: they live in one table per UTC day
// (created on demand, see sqlite-store.ts) so that retention drops whole tables instead of deleting rows.

import type { Migration } from '../migrations.js';

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    statements: [
      `CREATE TABLE alerts (
        id TEXT PRIMARY KEY,
        ts_us INTEGER NOT NULL,
        source TEXT NOT NULL,
        flow_id TEXT,
        community_id TEXT,
        src_ip TEXT NOT NULL,
        src_port INTEGER NOT NULL,
        dest_ip TEXT NOT NULL,
        dest_port INTEGER NOT NULL,
        proto TEXT NOT NULL,
        app_proto TEXT,
        signature_id INTEGER NOT NULL,
        signature TEXT NOT NULL,
        severity INTEGER NOT NULL,
        confidence REAL NOT NULL,
        explanation TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'new',
        assignee TEXT,
        verdict TEXT,
        verdict_note TEXT,
        received_us INTEGER NOT NULL,
        first_look_us INTEGER,
        verdict_us INTEGER,
        triage_verdict TEXT,
        triage_confidence REAL,
        doc TEXT NOT NULL
      )`,
      `CREATE TABLE flow_days (
        day INTEGER PRIMARY KEY,
        table_name TEXT NOT NULL,
        max_duration_us INTEGER NOT NULL,
        max_end_us INTEGER NOT NULL
      )`,
      `CREATE TABLE triage_results (
        alert_id TEXT PRIMARY KEY,
        verdict TEXT NOT NULL,
        confidence REAL NOT NULL,
        started_us INTEGER NOT NULL,
        finished_us INTEGER NOT NULL,
        report TEXT NOT NULL
      )`,
      `CREATE TABLE users (
        username TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        created_us INTEGER NOT NULL
      )`,
      `CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        csrf_token TEXT NOT NULL,
        created_us INTEGER NOT NULL,
        expires_us INTEGER NOT NULL
      )`,
      `CREATE TABLE api_tokens (
        token_hash TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        created_us INTEGER NOT NULL
      )`,
      `CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts_us INTEGER NOT NULL,
        username TEXT NOT NULL,
        action TEXT NOT NULL,
        alert_id TEXT,
        detail TEXT NOT NULL
      )`,
      'CREATE INDEX audit_log_alert ON audit_log (alert_id, id)',
      `CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      )`,
    ],
  },
  {
    version: 2,
    name: 'alert queue indexes',
    // The workbench queue lists newest first, optionally filtered; each filter gets an index whose
    // tail is (ts_us, id) so a filtered page is an index range walk that stops at the page size.
    statements: [
      'CREATE INDEX alerts_ts ON alerts (ts_us, id)',
      'CREATE INDEX alerts_status_ts ON alerts (status, ts_us, id)',
      'CREATE INDEX alerts_signature_ts ON alerts (signature_id, ts_us, id)',
      'CREATE INDEX alerts_source_ts ON alerts (source, ts_us, id)',
      'CREATE INDEX alerts_severity_ts ON alerts (severity, ts_us, id)',
      'CREATE INDEX alerts_src_ip_ts ON alerts (src_ip, ts_us, id)',
      'CREATE INDEX alerts_dest_ip_ts ON alerts (dest_ip, ts_us, id)',
      'CREATE INDEX sessions_expires ON sessions (expires_us)',
    ],
  },
  {
    version: 3,
    name: 'untriaged alerts index',
    // Alerts stored by another process (a file import, a second collector) are found for triage by
    // a partial index that holds only the untriaged ones, so the poll stays cheap at any size.
    statements: ['CREATE INDEX alerts_untriaged ON alerts (ts_us, id) WHERE triage_verdict IS NULL'],
  },
  {
    version: 4,
    name: 'alert free-text index',
    // Free-text search (`q=`) finds a substring anywhere in signature or explanation, which no
    // B-tree serves. An FTS5 table with the trigram tokenizer (SQLite 3.34 or later; case_sensitive 0
    // folds case) indexes every three-character piece, so a substring of three or more characters is
    // found by its pieces. External content: the text stays only in `alerts`, the index is keyed on
    // its rowid and kept in step by the triggers below; 'rebuild' fills it from the rows already
    // stored. The update trigger fires only when the indexed text changes, not on workflow updates.
    // `alerts` has no INTEGER PRIMARY KEY, so a VACUUM may renumber its rowids: run
    // INSERT INTO alerts_fts (alerts_fts) VALUES ('rebuild') after one.
    statements: [
      `CREATE VIRTUAL TABLE alerts_fts USING fts5(
        signature, explanation,
        content = 'alerts', content_rowid = 'rowid',
        tokenize = 'trigram case_sensitive 0'
      )`,
      `CREATE TRIGGER alerts_fts_insert AFTER INSERT ON alerts BEGIN
        INSERT INTO alerts_fts (rowid, signature, explanation) VALUES (new.rowid, new.signature, new.explanation);
      END`,
      `CREATE TRIGGER alerts_fts_delete AFTER DELETE ON alerts BEGIN
        INSERT INTO alerts_fts (alerts_fts, rowid, signature, explanation) VALUES ('delete', old.rowid, old.signature, old.explanation);
      END`,
      `CREATE TRIGGER alerts_fts_update AFTER UPDATE OF signature, explanation ON alerts BEGIN
        INSERT INTO alerts_fts (alerts_fts, rowid, signature, explanation) VALUES ('delete', old.rowid, old.signature, old.explanation);
        INSERT INTO alerts_fts (rowid, signature, explanation) VALUES (new.rowid, new.signature, new.explanation);
      END`,
      "INSERT INTO alerts_fts (alerts_fts) VALUES ('rebuild')",
    ],
  },
];
