// Opens the store a deployment names: a file path means the embedded SQLite store (parent folders
// are created), a postgres:// or postgresql:// URL the shared PostgreSQL store. The store is migrated
// before it is returned, so every caller sees the current schema.

import { PostgresStore, type PostgresStoreOptions } from './postgres/postgres-store.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';
import type { Store } from './types.js';

export type { Store } from './types.js';
export { SqliteStore } from './sqlite/sqlite-store.js';
export { PostgresStore } from './postgres/postgres-store.js';
export { expireByRetention, startRetention, DEFAULT_RETENTION_DAYS } from './retention.js';

export interface OpenStoreOptions extends SqliteStoreOptions, PostgresStoreOptions {}

export function isPostgresSpec(spec: string): boolean {
  return /^postgres(ql)?:\/\//i.test(spec);
}

/**
 * `spec` is a path (SQLite) or a PostgreSQL URL. A `schema` query parameter on the URL
 * (postgres://host/db?schema=minerwatch) selects the schema; `opts.schema` wins over it.
 */
export async function openStore(spec: string, opts: OpenStoreOptions = {}): Promise<Store> {
  let store: SqliteStore | PostgresStore;
  if (isPostgresSpec(spec)) {
    const url = new URL(spec);
    const schema = opts.schema ?? url.searchParams.get('schema') ?? undefined;
    url.searchParams.delete('schema');
    store = new PostgresStore(url.toString(), { ...opts, schema });
  } else {
    store = new SqliteStore(spec, opts);
  }
  try {
    await store.migrate();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}
