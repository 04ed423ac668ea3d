// The loader's checklist, in order, each failure with its own code, before a byte of the plugin runs:
// 1 manifest schema, 2 bytes present, 3 sha256, 4 ABI range, 5 imports (ABI v1 offers only Extism's
// kernel), 6 declared memory maximum present and within limits, 7 exports of its kind. Then the first
// call, baton_describe, in the runner the plugin will use, must agree with the manifest.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { BatonError } from '../errors/registry.js';
import { ABI_MARKER, DescribeResponse, HOST_ABI, parseAnswer, REQUIRED_EXPORTS } from './abi.js';
import { abiRange, HOST_LIMITS, parseManifest, pluginId, type PluginManifest } from './manifest.js';
import type { PluginCode, PluginRunner } from './runner.js';
import { inspectModule } from './wasm-module.js';

/** A plugin that passed every check: its manifest, verified code and what it says about itself. */
export interface LoadedPlugin {
  readonly manifest: Readonly<PluginManifest>;
  /** `name@version`. */
  readonly id: string;
  readonly code: PluginCode;
  readonly describe: DescribeResponse;
  readonly runner: PluginRunner;
  /** Where the manifest was read from. */
  readonly source: string;
}

/** The only module a v1 plugin may import from (input, output, memory and log functions). */
const KERNEL = 'extism:host/env';

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function readBytes(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new BatonError(
      'BATON_E_PLUGIN_NOT_FOUND',
      `${what} ${path} cannot be read (${(e as Error).message})`,
      {
        cause: e,
      },
    );
  }
}

/** Reads and parses the manifest at `path` (JSON). */
export async function readManifest(path: string): Promise<Readonly<PluginManifest>> {
  const text = (await readBytes(path, 'plugin manifest')).toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new BatonError('BATON_E_PLUGIN_MANIFEST', `${path}: not JSON (${(e as Error).message})`);
  }
  return parseManifest(raw, path);
}

export interface LoadOptions {
  /** Runs the plugin: the sandbox pool for untrusted code, in-thread only for trusted built-ins. */
  readonly runner: PluginRunner;
  /** A run being resumed pins the sha256 it journaled: other bytes are refused. */
  readonly expectSha256?: string;
}

/** Loads the plugin whose manifest is at `manifestPath`, running the whole checklist. */
export async function loadPlugin(manifestPath: string, options: LoadOptions): Promise<LoadedPlugin> {
  const source = resolve(manifestPath);
  const manifest = await readManifest(source);
  const bytes = await readBytes(
    resolve(dirname(source), manifest.wasm),
    `the module of plugin ${pluginId(manifest)},`,
  );
  return verifyPlugin(manifest, new Uint8Array(bytes), source, options);
}

/** Steps 3-7 of the checklist and the describe handshake, for a manifest already parsed. */
export async function verifyPlugin(
  manifest: Readonly<PluginManifest>,
  bytes: Uint8Array,
  source: string,
  options: LoadOptions,
): Promise<LoadedPlugin> {
  const id = pluginId(manifest);
  const actual = sha256(bytes);
  if (actual !== manifest.sha256) {
    throw new BatonError(
      'BATON_E_PLUGIN_HASH',
      `plugin ${id}: its bytes have sha256 ${actual}, but its manifest (${source}) pins ${manifest.sha256}`,
    );
  }
  if (options.expectSha256 !== undefined && actual !== options.expectSha256) {
    throw new BatonError(
      'BATON_E_PLUGIN_HASH',
      `plugin ${id}: the run was started with bytes of sha256 ${options.expectSha256}, but ${source} now has ${actual}: restore that build to resume the run`,
    );
  }
  const range = abiRange(manifest);
  if (range.major !== HOST_ABI.major || range.minor > HOST_ABI.minor) {
    throw new BatonError(
      'BATON_E_PLUGIN_ABI',
      `plugin ${id}: its manifest asks for ABI ${manifest.abi}; this host speaks ${HOST_ABI.major}.${HOST_ABI.minor}`,
    );
  }
  const info = inspectModule(bytes, id);
  const foreign = info.imports.find((i) => i.module !== KERNEL);
  if (foreign !== undefined) {
    throw new BatonError(
      'BATON_E_PLUGIN_ABI',
      `plugin ${id} imports "${foreign.name}" from "${foreign.module}"; ABI v1 offers only "${KERNEL}" (no WASI, no other host functions)`,
    );
  }
  const limit = Math.min(manifest.limits.memory_pages, HOST_LIMITS.memoryPages);
  if (info.memories.length === 0) {
    throw new BatonError('BATON_E_PLUGIN_MEMORY', `plugin ${id} has no linear memory to exchange JSON in`);
  }
  for (const m of info.memories) {
    if (m.max === undefined) {
      throw new BatonError(
        'BATON_E_PLUGIN_MEMORY',
        `plugin ${id} declares no memory maximum (unbounded); build it with a bound, e.g. asc --maximumMemory ${limit}`,
      );
    }
    if (m.max > limit) {
      throw new BatonError(
        'BATON_E_PLUGIN_MEMORY',
        `plugin ${id} declares a memory maximum of ${m.max} pages, over the limit of ${limit} (limits.memory_pages)`,
      );
    }
  }
  const marker = info.exports.find((e) => /^baton_abi_v\d+$/.test(e));
  if (marker !== undefined && marker !== ABI_MARKER) {
    throw new BatonError(
      'BATON_E_PLUGIN_ABI',
      `plugin ${id} exports ${marker}: it speaks another ABI major than v1`,
    );
  }
  const missing = REQUIRED_EXPORTS[manifest.kind].filter((e) => !info.exports.includes(e));
  if (missing.length > 0) {
    throw new BatonError(
      'BATON_E_PLUGIN_EXPORTS',
      `plugin ${id} (kind ${manifest.kind}) lacks the export${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
    );
  }
  const code: PluginCode = {
    id,
    sha256: actual,
    bytes,
    timeoutMs: manifest.limits.timeout_ms,
    outputBytes: manifest.limits.output_bytes,
  };
  const describe = parseAnswer(
    DescribeResponse,
    await options.runner.call(code, 'baton_describe', ''),
    id,
    'baton_describe',
  );
  const [major, minor] = describe.abi_version.split('.').map(Number);
  if (major !== HOST_ABI.major || minor! > HOST_ABI.minor) {
    throw new BatonError(
      'BATON_E_PLUGIN_ABI',
      `plugin ${id}: baton_describe reports ABI ${describe.abi_version}; this host speaks ${HOST_ABI.major}.${HOST_ABI.minor}`,
    );
  }
  const differs = (['name', 'version', 'kind'] as const).find((k) => describe[k] !== manifest[k]);
  if (differs !== undefined) {
    throw new BatonError(
      'BATON_E_PLUGIN_MANIFEST',
      `plugin ${id}: baton_describe reports ${differs} "${describe[differs]}", its manifest (${source}) "${manifest[differs]}"`,
    );
  }
  return { manifest, id, code, describe, runner: options.runner, source };
}
