// Brings a PostgreSQL schema up to the newest migration at open: under a session advisory lock (so
// instances starting at once migrate once: the others wait, then find nothing to do), creates the schema
// if missing, applies each migration schema_migrations does not list in its own transaction, and refuses
// a schema migrated by a newer Baton.

import type pg from 'pg';
import { StoreSchemaError } from '../store.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import { logged } from './db.js';
import { LOCK_MIGRATE } from './statements.js';

/** Returns the versions it applied (empty when the schema was up to date). */
export async function migrate(
  client: pg.ClientBase,
  schema: string | undefined,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  const newest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  // The lock is per schema (its name hashed), so stores in different schemas migrate independently.
  const key = schema ?? (await client.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]?.s ?? '';
  await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_MIGRATE, key]);
  try {
    if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.version));
    const found = Math.max(0, ...applied);
    if (found > newest) throw new StoreSchemaError(found, newest);
    const pending = migrations.filter((m) => !applied.has(m.version)).sort((a, b) => a.version - b.version);
    for (const m of pending) {
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
          m.version,
          m.name,
        ]);
        await client.query('COMMIT');
      } catch (e) {
        // A failed ROLLBACK means the connection is gone, and with it the transaction: the cause is `e`.
        await client.query('ROLLBACK').catch(logged(`rolling back migration ${m.version}`));
        throw e;
      }
    }
    return pending.map((m) => m.version);
  } finally {
    // The lock is the session's: if the connection broke, it went with it (and the caller discards it).
    await client
      .query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_MIGRATE, key])
      .catch(logged('releasing the migration lock'));
  }
}
