// What the SQLite adapter promises beyond the shared contract: its file layout and pragmas, migrations
// applied once and atomically, refusal of newer schemas, and driver errors wrapped with context.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../src/store/sqlite/migrate.js';
import { MIGRATIONS, type Migration } from '../../../src/store/sqlite/migrations.js';
import { SQLITE_FILE, openSqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import { StoreSchemaError, StoreUnavailableError } from '../../../src/store/store.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'baton-sqlite-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Opens the file directly, runs `fn`, and closes it. */
function inspect<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

describe('openSqliteStore', () => {
  it('creates the data directory and a WAL-mode baton.db in it', async () => {
    const dataDir = join(root, 'a', 'b', '.baton');
    const store = await openSqliteStore({ dataDir });
    await store.close();
    expect(inspect(join(dataDir, SQLITE_FILE), (db) => db.pragma('journal_mode', { simple: true }))).toBe(
      'wal',
    );
  });

  it('records each migration once, however often the store is opened', async () => {
    for (let i = 0; i < 3; i++) await (await openSqliteStore({ dataDir: root })).close();
    const versions = inspect(join(root, SQLITE_FILE), (db) =>
      db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all(),
    );
    expect(versions).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('refuses a database migrated by a newer Baton, leaving it untouched', async () => {
    await (await openSqliteStore({ dataDir: root })).close();
    const next = MIGRATIONS.length + 1;
    inspect(join(root, SQLITE_FILE), (db) =>
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(next, 'from the future'),
    );
    const open = openSqliteStore({ dataDir: root });
    await expect(open).rejects.toBeInstanceOf(StoreSchemaError);
    await expect(open).rejects.toMatchObject({ code: 'BATON_E_STORE_SCHEMA', found: next });
  });

  it('wraps the driver error, naming the file, when the file is not a database', async () => {
    await writeFile(
      join(root, SQLITE_FILE),
      'this is not a database, just some text that is long enough'.repeat(20),
    );
    const open = openSqliteStore({ dataDir: root });
    await expect(open).rejects.toBeInstanceOf(StoreUnavailableError);
    const err = (await open.catch((e: unknown) => e)) as StoreUnavailableError;
    expect(err.message).toContain(join(root, SQLITE_FILE));
    expect(err.cause).toBeInstanceOf(Error);
    expect(err.retryable).toBe(true);
  });

  it('wraps the error when the data directory cannot be created', async () => {
    await writeFile(join(root, 'file'), '');
    await expect(openSqliteStore({ dataDir: join(root, 'file', 'sub') })).rejects.toMatchObject({
      code: 'BATON_E_STORE_UNAVAILABLE',
    });
  });
});

describe('migrate', () => {
  const m1: Migration = { version: 1, name: 'one', sql: 'CREATE TABLE one (x INTEGER)' };
  const m2: Migration = { version: 2, name: 'two', sql: 'CREATE TABLE two (x INTEGER)' };
  const broken: Migration = {
    version: 2,
    name: 'broken',
    sql: 'CREATE TABLE three (x INTEGER); CREATE TABLE one (y)',
  };

  it('applies only the migrations a database has not seen, in order', () => {
    const file = join(root, 'm.db');
    // A re-run of m1 would fail with "table one already exists".
    expect(inspect(file, (db) => migrate(db, [m1]))).toEqual([1]);
    expect(inspect(file, (db) => migrate(db, [m2, m1]))).toEqual([2]);
    expect(inspect(file, (db) => migrate(db, [m1, m2]))).toEqual([]);
  });

  it('applies nothing when one pending migration fails', () => {
    const file = join(root, 'm.db');
    expect(() => inspect(file, (db) => migrate(db, [m1, broken]))).toThrow(/already exists/);
    const tables = inspect(file, (db) =>
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all(),
    );
    expect(tables).toEqual([]);
  });

  it('ships migrations numbered 1, 2, 3, ... so "newest" is well defined', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });
});
