// What the PostgreSQL store keeps beside runs: versioned workflow definitions and plugins by sha256.

import {
  PluginConflictError,
  WorkflowConflictError,
  type StoredPlugin,
  type StoredPluginRef,
  type WorkflowDefinition,
  type WorkflowVersionRef,
} from '../store.js';
import { toJson } from '../store-args.js';
import type { Query } from './db.js';
import {
  DELETE_PLUGIN,
  DELETE_WORKFLOW_ALL,
  DELETE_WORKFLOW_VERSION,
  GET_PLUGIN,
  GET_WORKFLOW_LATEST,
  GET_WORKFLOW_VERSION,
  INSERT_PLUGIN,
  INSERT_WORKFLOW,
  LIST_PLUGINS,
  LIST_WORKFLOWS,
  PLUGIN_SHA,
} from './statements.js';

interface WorkflowRow {
  name: string;
  version: string;
  source: string;
  spec: string;
}

export async function putWorkflow(q: Query, ns: string, w: WorkflowDefinition): Promise<void> {
  const spec = toJson(w.spec, `spec of workflow ${w.name}@${w.version}`);
  const { rowCount } = await q(INSERT_WORKFLOW, [ns, w.name, w.version, w.source, spec]);
  if (rowCount === 1) return;
  // The unique key decided; the row found is the one stored before, so comparing needs no transaction.
  const stored = (await q<WorkflowRow>(GET_WORKFLOW_VERSION, [ns, w.name, w.version])).rows[0];
  if (stored?.source !== w.source) throw new WorkflowConflictError(ns, w.name, w.version);
}

export async function getWorkflow(
  q: Query,
  ns: string,
  name: string,
  version?: string,
): Promise<WorkflowDefinition | undefined> {
  const { rows } =
    version === undefined
      ? await q<WorkflowRow>(GET_WORKFLOW_LATEST, [ns, name])
      : await q<WorkflowRow>(GET_WORKFLOW_VERSION, [ns, name, version]);
  const row = rows[0];
  return (
    row && { name: row.name, version: row.version, source: row.source, spec: JSON.parse(row.spec) as unknown }
  );
}

export async function listWorkflows(q: Query, ns: string): Promise<WorkflowVersionRef[]> {
  return (await q<WorkflowVersionRef>(LIST_WORKFLOWS, [ns])).rows.map((r) => ({
    name: r.name,
    version: r.version,
  }));
}

export async function deleteWorkflow(q: Query, ns: string, name: string, version?: string): Promise<number> {
  const r =
    version === undefined
      ? await q(DELETE_WORKFLOW_ALL, [ns, name])
      : await q(DELETE_WORKFLOW_VERSION, [ns, name, version]);
  return r.rowCount ?? 0;
}

export async function putPlugin(q: Query, ns: string, p: StoredPlugin): Promise<boolean> {
  const manifest = toJson(p.manifest, `manifest of plugin ${p.name}@${p.version}`);
  const { rowCount } = await q(INSERT_PLUGIN, [
    ns,
    p.name,
    p.version,
    p.sha256,
    manifest,
    Buffer.from(p.wasm),
  ]);
  if (rowCount === 1) return true;
  const stored = (await q<{ sha256: string }>(PLUGIN_SHA, [ns, p.name, p.version])).rows[0]?.sha256;
  if (stored !== undefined && stored !== p.sha256)
    throw new PluginConflictError(ns, p.name, p.version, stored, p.sha256);
  return false;
}

interface PluginRow {
  name: string;
  version: string;
  sha256: string;
  manifest: string;
}

const refOf = (r: PluginRow) => ({
  name: r.name,
  version: r.version,
  sha256: r.sha256,
  manifest: JSON.parse(r.manifest) as unknown,
});

export async function getPlugin(q: Query, ns: string, sha256: string): Promise<StoredPlugin | undefined> {
  const row = (await q<PluginRow & { wasm: Buffer }>(GET_PLUGIN, [ns, sha256])).rows[0];
  return row && { ...refOf(row), wasm: new Uint8Array(row.wasm) };
}

export async function listPlugins(q: Query, ns: string): Promise<StoredPluginRef[]> {
  const { rows } = await q<PluginRow & { size: number; stored_at: number }>(LIST_PLUGINS, [ns]);
  return rows.map((r) => ({ ...refOf(r), sizeBytes: r.size, storedAt: r.stored_at }));
}

export async function deletePlugin(q: Query, ns: string, name: string, version: string): Promise<boolean> {
  return (await q(DELETE_PLUGIN, [ns, name, version])).rowCount === 1;
}
