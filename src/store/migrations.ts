// Versioned schema migrations: each adapter lists its own numbered steps in its dialect; the
// `schema_migrations` table records which ran, so migrating twice (or from two processes) is a no-op.

export interface Migration {
  /** Strictly increasing from 1; never renumbered once released. */
  version: number;
  name: string;
  statements: readonly string[];
}

/** Checks a migration list is numbered 1..n without gaps, so a bad edit fails at start, not half-way. */
export function checkMigrations(list: readonly Migration[]): void {
  list.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
  });
}
