// Brings a SQLite database up to the newest schema: applies, in one transaction, each migration that the
// schema_migrations table does not list yet, and refuses a database written by a newer Baton.

import type { Database } from 'better-sqlite3';
import { StoreSchemaError } from '../store.js';
import { MIGRATIONS, type Migration } from './migrations.js';

/** Returns the versions it applied (empty when the database was up to date). */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const newest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  // IMMEDIATE: two processes opening the same new directory must not both apply migration 1.
  return db
    .transaction(() => {
      db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version    INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        applied_at INTEGER NOT NULL
      )`);
      const applied = new Set(db.prepare<[], number>('SELECT version FROM schema_migrations').pluck().all());
      const found = Math.max(0, ...applied);
      if (found > newest) throw new StoreSchemaError(found, newest);
      const record = db.prepare<[number, string, number]>(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
      );
      const pending = migrations.filter((m) => !applied.has(m.version)).sort((a, b) => a.version - b.version);
      for (const m of pending) {
        db.exec(m.sql);
        record.run(m.version, m.name, Date.now());
      }
      return pending.map((m) => m.version);
    })
    .immediate();
}
