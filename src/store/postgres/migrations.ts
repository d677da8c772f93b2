// The PostgreSQL schema, as numbered migrations. Flows are one table partitioned by range of start_us,
// one partition per UTC day created on demand (postgres-store.ts), so retention drops partitions.
// Key and address columns use the "C" collation: byte order, as SQLite compares, so keyset paging
// orders ids the same on both stores, and index comparisons skip locale rules.

import type { Migration } from '../migrations.js';

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    statements: [
      `CREATE TABLE alerts (
        id text COLLATE "C" PRIMARY KEY,
        ts_us bigint NOT NULL,
        source text COLLATE "C" NOT NULL,
        flow_id text,
        community_id text,
        src_ip text COLLATE "C" NOT NULL,
        src_port integer NOT NULL,
        dest_ip text COLLATE "C" NOT NULL,
        dest_port integer NOT NULL,
        proto text NOT NULL,
        app_proto text,
        signature_id bigint NOT NULL,
        signature text NOT NULL,
        severity integer NOT NULL,
        confidence double precision NOT NULL,
        explanation text NOT NULL,
        status text COLLATE "C" NOT NULL DEFAULT 'new',
        assignee text,
        verdict text,
        verdict_note text,
        received_us bigint NOT NULL,
        first_look_us bigint,
        verdict_us bigint,
        triage_verdict text,
        triage_confidence double precision,
        doc jsonb NOT NULL
      )`,
      `CREATE TABLE flows (
        flow_id text COLLATE "C" NOT NULL,
        source text COLLATE "C" NOT NULL,
        community_id text,
        observer text,
        src_ip text COLLATE "C" NOT NULL,
        src_port integer NOT NULL,
        dest_ip text COLLATE "C" NOT NULL,
        dest_port integer NOT NULL,
        proto text NOT NULL,
        vlan integer,
        app_proto text,
        start_us bigint NOT NULL,
        end_us bigint NOT NULL,
        pkts_toserver bigint NOT NULL,
        pkts_toclient bigint NOT NULL,
        bytes_toserver bigint NOT NULL,
        bytes_toclient bigint NOT NULL,
        state text,
        reason text,
        tcp_flags integer,
        extra jsonb
      ) PARTITION BY RANGE (start_us)`,
      'CREATE UNIQUE INDEX flows_key ON flows (flow_id, source, start_us)',
      'CREATE INDEX flows_src ON flows (src_ip, start_us)',
      'CREATE INDEX flows_dest ON flows (dest_ip, start_us)',
      `CREATE TABLE flow_days (
        day integer PRIMARY KEY,
        table_name text NOT NULL,
        max_duration_us bigint NOT NULL,
        max_end_us bigint NOT NULL
      )`,
      `CREATE TABLE triage_results (
        alert_id text COLLATE "C" PRIMARY KEY,
        verdict text NOT NULL,
        confidence double precision NOT NULL,
        started_us bigint NOT NULL,
        finished_us bigint NOT NULL,
        report jsonb NOT NULL
      )`,
      `CREATE TABLE users (
        username text PRIMARY KEY,
        password_hash text NOT NULL,
        role text NOT NULL,
        created_us bigint NOT NULL
      )`,
      `CREATE TABLE sessions (
        id text COLLATE "C" PRIMARY KEY,
        username text NOT NULL,
        csrf_token text NOT NULL,
        created_us bigint NOT NULL,
        expires_us bigint NOT NULL
      )`,
      `CREATE TABLE api_tokens (
        token_hash text PRIMARY KEY,
        name text NOT NULL,
        role text NOT NULL,
        created_us bigint NOT NULL
      )`,
      `CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        ts_us bigint NOT NULL,
        username text NOT NULL,
        action text NOT NULL,
        alert_id text,
        detail jsonb NOT NULL
      )`,
      'CREATE INDEX audit_log_alert ON audit_log (alert_id, id)',
      `CREATE TABLE meta (
        key text PRIMARY KEY,
        value text NOT NULL
      )`,
    ],
  },
  {
    version: 2,
    name: 'alert queue indexes',
    // Same shape as SQLite: every filter index ends in (ts_us, id) so a page is an index range walk.
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
    // Free-text search (`q=`) is ILIKE '%term%' on signature and explanation; pg_trgm's GIN operator
    // class indexes their trigrams, so the planner answers a rare term from the two indexes (a
    // BitmapOr with the address indexes) instead of reading every alert. pg_trgm ships with
    // PostgreSQL (contrib) and is a trusted extension since 13: a database owner may create it.
    // It goes into `public`, not the store's schema, because an extension lives once per database
    // and dropping a store's schema must not drop it from under another store. Where it already
    // exists, its operator class is named with the schema it is in. A global advisory lock keeps
    // two stores migrating at once from both creating it.
    statements: [
      `DO $migration$
      DECLARE
        trgm_schema text;
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('minerwatch.migrate.pg_trgm'));
        SELECT n.nspname INTO trgm_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
          WHERE e.extname = 'pg_trgm';
        IF trgm_schema IS NULL THEN
          BEGIN
            IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public') THEN
              CREATE EXTENSION pg_trgm SCHEMA public;
            ELSE
              CREATE EXTENSION pg_trgm;
            END IF;
          EXCEPTION WHEN OTHERS THEN
            RAISE EXCEPTION USING
              MESSAGE = format('migration 4 (alert free-text index) needs the pg_trgm extension and could not create it: %s', SQLERRM),
              HINT = 'Install PostgreSQL''s contrib modules (Debian: postgresql-contrib, part of the server package since 10) and run CREATE EXTENSION pg_trgm SCHEMA public as the database owner or a superuser, then start minerwatch again.';
          END;
          SELECT n.nspname INTO trgm_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
            WHERE e.extname = 'pg_trgm';
        END IF;
        EXECUTE format('CREATE INDEX alerts_signature_trgm ON alerts USING gin (signature %I.gin_trgm_ops)', trgm_schema);
        EXECUTE format('CREATE INDEX alerts_explanation_trgm ON alerts USING gin (explanation %I.gin_trgm_ops)', trgm_schema);
      END
      $migration$`,
    ],
  },
  {
    version: 5,
    name: 'alert free-text index over characters',
    // pg_trgm takes only letters and digits as word characters: the trigrams of '23.0.0.1' are
    // padded one- and two-digit words ('  0', ' 0 ', ' 23') that most alerts hold, so migration 4's
    // indexes handed the heap hundreds of thousands of rows to recheck for an address (0.5 s at a
    // million alerts, 1.5 s for 10.16.0.1). This index is over signature and explanation with '.' and ':'
    // turned into letters, so an address or a host:port is one word and its trigrams are those of
    // its characters ('23q', '3q0', 'q0q'), as SQLite's FTS5 trigram table sees them. The letters
    // can collide with real ones ('q' for '.'), so the index only finds candidates and the exact
    // test is alert_text_lacks, negated: a plpgsql function, never inlined, whose negation the
    // planner estimates at 2/3, so the row estimate stays that of the index expression (statistics
    // target 1000: a histogram fine enough to tell a term of 5000 alerts from one of 50) and the
    // planner walks the queue order for a common term instead of rechecking its thousands of rows.
    // COST 1: it runs only on rows the index expression already matched (cheaper quals go first),
    // so the planner must not price the queue-order walk as if every row paid for a call.
    statements: [
      `DO $migration$
      DECLARE
        trgm_schema text;
      BEGIN
        SELECT n.nspname INTO trgm_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
          WHERE e.extname = 'pg_trgm';
        EXECUTE format('CREATE INDEX alerts_text_trgm ON alerts USING gin ((translate(signature || '' '' || explanation, ''.:'', ''qz'')) %I.gin_trgm_ops)', trgm_schema);
      END
      $migration$`,
      'ALTER INDEX alerts_text_trgm ALTER COLUMN 1 SET STATISTICS 1000',
      'DROP INDEX alerts_signature_trgm',
      'DROP INDEX alerts_explanation_trgm',
      `CREATE FUNCTION alert_text_lacks(signature text, explanation text, pattern text) RETURNS boolean
        LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE COST 1
        AS $fn$ BEGIN RETURN NOT (signature ILIKE pattern ESCAPE '\\' OR explanation ILIKE pattern ESCAPE '\\'); END $fn$`,
      'ANALYZE alerts',
    ],
  },
];
