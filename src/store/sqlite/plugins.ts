// Plugins kept in the SQLite store by name@version and sha256 (Store.putPlugin and friends): the bytes
// any process on the data directory can load a run's plugin from.

import type { Database, Statement } from 'better-sqlite3';
import { PluginConflictError, type StoredPlugin, type StoredPluginRef } from '../store.js';
import { toJson } from '../store-args.js';

interface PluginRow {
  name: string;
  version: string;
  sha256: string;
  manifest: string;
  size: number;
  stored_at: number;
}

export class SqlitePlugins {
  readonly #insert: Statement<[string, string, string, string, string, Uint8Array, number]>;
  readonly #byVersion: Statement<[string, string, string], { sha256: string }>;
  readonly #bySha: Statement<[string, string], PluginRow & { wasm: Buffer }>;
  readonly #list: Statement<[string], PluginRow>;
  readonly #delete: Statement<[string, string, string]>;

  constructor(db: Database) {
    this.#insert = db.prepare(
      `INSERT INTO plugins (namespace, name, version, sha256, manifest, wasm, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (namespace, name, version) DO NOTHING`,
    );
    this.#byVersion = db.prepare(
      'SELECT sha256 FROM plugins WHERE namespace = ? AND name = ? AND version = ?',
    );
    this.#bySha = db.prepare(
      `SELECT name, version, sha256, manifest, wasm, length(wasm) AS size, stored_at FROM plugins
       WHERE namespace = ? AND sha256 = ? ORDER BY stored_at, name, version LIMIT 1`,
    );
    this.#list = db.prepare(
      `SELECT name, version, sha256, manifest, length(wasm) AS size, stored_at FROM plugins
       WHERE namespace = ? ORDER BY name, stored_at, version`,
    );
    this.#delete = db.prepare('DELETE FROM plugins WHERE namespace = ? AND name = ? AND version = ?');
  }

  put(ns: string, p: StoredPlugin): boolean {
    const manifest = toJson(p.manifest, `manifest of plugin ${p.name}@${p.version}`);
    const { changes } = this.#insert.run(ns, p.name, p.version, p.sha256, manifest, p.wasm, Date.now());
    if (changes === 1) return true;
    const stored = this.#byVersion.get(ns, p.name, p.version)!.sha256;
    if (stored !== p.sha256) throw new PluginConflictError(ns, p.name, p.version, stored, p.sha256);
    return false;
  }

  get(ns: string, sha256: string): StoredPlugin | undefined {
    const row = this.#bySha.get(ns, sha256);
    return row && { ...refOf(row), wasm: new Uint8Array(row.wasm) };
  }

  list(ns: string): StoredPluginRef[] {
    return this.#list.all(ns).map((row) => ({ ...refOf(row), sizeBytes: row.size, storedAt: row.stored_at }));
  }

  delete(ns: string, name: string, version: string): boolean {
    return this.#delete.run(ns, name, version).changes === 1;
  }
}

const refOf = (row: PluginRow) => ({
  name: row.name,
  version: row.version,
  sha256: row.sha256,
  manifest: JSON.parse(row.manifest) as unknown,
});
