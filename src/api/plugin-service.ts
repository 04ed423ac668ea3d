// PluginService over gRPC: upload (the loader's whole checklist in the sandbox before anything is
// stored), list, get, versions and delete, over the store (plugins by sha256, shared by every instance on
// it) and the plugin folder of the server's data directory, the one the engine loads from
// (wasm/plugin-store.ts), which caches the store's plugins (runtime/plugin-cache.ts). Delete is refused
// while a run that has not ended is bound to that name@version+sha256 (runs journal their binding in
// RunStarted).

import { status } from '@grpc/grpc-js';
import { BatonError } from '../errors/registry.js';
import type { Store } from '../store/store.js';
import {
  compareVersions,
  findInstalled,
  installPlugin,
  listInstalled,
  loadPlugin,
  parseManifest,
  pluginId,
  removePlugin,
  resolveVersion,
  verifyPlugin,
  type InstalledPlugin,
  type PluginRunner,
} from '../wasm/index.js';
import type {
  DeletePluginRequest,
  DeletePluginResponse,
  GetPluginRequest,
  GetPluginResponse,
  ListPluginsRequest,
  ListPluginsResponse,
  ListPluginVersionsRequest,
  ListPluginVersionsResponse,
  PluginServiceServer,
  UploadPluginRequest,
  UploadPluginResponse,
} from './gen/baton/v1/plugin.js';
import { ApiError, unary } from './errors.js';
import { decodePluginToken, encodePluginToken, pluginToProto } from './plugin-wire.js';
import { checkId } from './workflow-registry.js';
import { cacheByRef, publishPlugin, type PluginCatalog } from '../runtime/plugin-cache.js';
import { quote } from '../errors/quote.js';

export interface PluginServiceDeps {
  /** The plugin folder (<data dir>/plugins). */
  readonly dir: string;
  /** Runs uploaded code for the checklist's describe call: the sandbox pool, never in-thread. */
  readonly runner: PluginRunner;
  /** Where runs are journaled, to refuse deleting a plugin a live run is bound to. */
  readonly store: Store;
  readonly namespace: string;
  /** Told after a plugin is stored or deleted (the engine rescans: PatternPlugins.refresh). */
  readonly onChange?: () => void;
  /** Largest module accepted, in bytes (default MAX_PLUGIN_BYTES). */
  readonly maxBytes?: number;
}

/** 16 MiB: the gRPC server's message limit (17 MiB) leaves room for the manifest. */
export const MAX_PLUGIN_BYTES = 16 * 1024 * 1024;
const MAX_MANIFEST_CHARS = 64 * 1024;
const LIST_PAGE = { default: 50, max: 500 };
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

const invalid = (fieldPath: string, message: string) =>
  new ApiError('BATON_E_REQUEST_INVALID', message, { fieldPath });

export function pluginService(deps: PluginServiceDeps): PluginServiceServer {
  const maxBytes = deps.maxBytes ?? MAX_PLUGIN_BYTES;
  const catalog: PluginCatalog = { store: deps.store, ns: deps.namespace, dir: deps.dir };

  /** The folder's plugins and, after them, those only the store has (registered through another instance). */
  async function everyPlugin(): Promise<InstalledPlugin[]> {
    const local = await listInstalled(deps.dir);
    const have = new Set(local.map((p) => `${p.manifest.name}@${p.manifest.version}`));
    const remote: InstalledPlugin[] = [];
    for (const p of await deps.store.listPlugins(deps.namespace)) {
      if (have.has(`${p.name}@${p.version}`)) continue;
      try {
        const manifest = parseManifest(p.manifest, `the stored manifest of ${p.name}@${p.version}`);
        remote.push({ manifest, path: '', installedAt: p.storedAt, sizeBytes: p.sizeBytes });
      } catch (e) {
        console.warn(
          `[plugin service] skipped a stored plugin whose manifest does not parse:`,
          (e as Error).message,
        );
      }
    }
    return [...local, ...remote];
  }

  async function upload(req: UploadPluginRequest): Promise<UploadPluginResponse> {
    if (req.manifestJson === '') throw invalid('manifest_json', 'is required');
    if (req.manifestJson.length > MAX_MANIFEST_CHARS)
      throw invalid('manifest_json', `is longer than ${MAX_MANIFEST_CHARS} characters`);
    if (req.wasm.length === 0) throw invalid('wasm', 'is required: the WebAssembly module');
    if (req.wasm.length > maxBytes) {
      throw new ApiError(
        'BATON_E_PLUGIN_TOO_LARGE',
        `the module has ${req.wasm.length} bytes; this server accepts at most ${maxBytes}`,
        { fieldPath: 'wasm' },
      );
    }
    let raw: unknown;
    try {
      raw = JSON.parse(req.manifestJson);
    } catch (e) {
      throw new ApiError('BATON_E_PLUGIN_MANIFEST', `not JSON (${(e as Error).message})`, {
        fieldPath: 'manifest_json',
      });
    }
    // The bytes travel beside the manifest: its `wasm` file name is the store's business.
    const withFile =
      typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? { ...raw, wasm: 'plugin.wasm' } : raw;
    const manifest = await placed('manifest_json', () => parseManifest(withFile, 'manifest_json'));
    const bytes = new Uint8Array(req.wasm);
    const loaded = await placed('wasm', () =>
      verifyPlugin(manifest, bytes, `the upload of ${pluginId(manifest)}`, { runner: deps.runner }),
    );
    // The store first: it is what every instance loads from; the folder is this instance's copy.
    const published = await publishPlugin(catalog, manifest, bytes);
    const r = await installPlugin(deps.dir, manifest, bytes);
    if (r.created || published) deps.onChange?.();
    return {
      plugin: pluginToProto(manifest, bytes.length, Date.now(), loaded.describe),
      created: r.created || published,
    };
  }

  async function list(req: ListPluginsRequest): Promise<ListPluginsResponse> {
    if (req.kind !== '' && req.kind !== 'pattern' && req.kind !== 'hook')
      throw invalid('kind', `${quote(req.kind)} is not a plugin kind (pattern or hook)`);
    if (req.pageSize < 0) throw invalid('page_size', 'must not be negative');
    const size = req.pageSize === 0 ? LIST_PAGE.default : Math.min(req.pageSize, LIST_PAGE.max);
    const offset = req.pageToken === '' ? 0 : decodePluginToken(req.pageToken, req.kind);
    const all = sorted(await everyPlugin()).filter((p) => req.kind === '' || p.manifest.kind === req.kind);
    return {
      plugins: all
        .slice(offset, offset + size)
        .map((p) => pluginToProto(p.manifest, p.sizeBytes, p.installedAt)),
      nextPageToken: offset + size < all.length ? encodePluginToken(offset + size, req.kind) : '',
    };
  }

  async function get(req: GetPluginRequest): Promise<GetPluginResponse> {
    const found = await lookup(req.plugin?.name ?? '', req.plugin?.version ?? '', false);
    // Loading runs the checklist again and asks baton_describe, in the sandbox.
    const loaded = await loadPlugin(found.path, { runner: deps.runner });
    return {
      plugin: pluginToProto(found.manifest, found.sizeBytes, found.installedAt, loaded.describe),
    };
  }

  async function versions(req: ListPluginVersionsRequest): Promise<ListPluginVersionsResponse> {
    const name = checkId(req.name, 'name', true)!;
    const all = (await everyPlugin()).filter((p) => p.manifest.name === name);
    if (all.length === 0) throw notFound(name, undefined);
    return { versions: all.map((p) => p.manifest.version).sort((a, b) => compareVersions(b, a)) };
  }

  async function remove(req: DeletePluginRequest): Promise<DeletePluginResponse> {
    const found = await lookup(req.plugin?.name ?? '', req.plugin?.version ?? '', true);
    const { name, version, sha256 } = found.manifest;
    const bound = await boundRuns(deps.store, deps.namespace, name, version, sha256);
    if (bound.length > 0) {
      const shown = bound.slice(0, 3).join(', ') + (bound.length > 3 ? `, ... (${bound.length})` : '');
      throw new ApiError(
        'BATON_E_PLUGIN_IN_USE',
        `plugin ${name}@${version} is bound to runs that have not ended (${shown}); cancel them or wait for them to end`,
        { fieldPath: 'plugin' },
      );
    }
    const fromStore = await deps.store.deletePlugin(deps.namespace, name, version);
    if (!(await removePlugin(deps.dir, name, version)) && !fromStore) throw notFound(name, version);
    deps.onChange?.();
    return {};
  }

  /**
   * The stored plugin name@version; without a version (when allowed) its highest. One only the store has
   * is copied into the folder first.
   */
  async function lookup(rawName: string, rawVersion: string, versionRequired: boolean) {
    const name = checkId(rawName, 'plugin.name', true)!;
    const version = checkId(rawVersion, 'plugin.version', versionRequired);
    return (
      (await lookupLocal(name, version)) ??
      ((await cacheByRef(catalog, version === undefined ? name : `${name}@${version}`))
        ? await lookupLocal(name, version)
        : undefined) ??
      raise(notFound(name, version))
    );
  }

  async function lookupLocal(
    name: string,
    version: string | undefined,
  ): Promise<InstalledPlugin | undefined> {
    if (version !== undefined) return findInstalled(deps.dir, name, version);
    const all = (await listInstalled(deps.dir)).filter((p) => p.manifest.name === name);
    const highest = resolveVersion(
      all.map((p) => p.manifest.version),
      undefined,
    );
    return all.find((p) => p.manifest.version === highest);
  }

  return {
    uploadPlugin: unary(upload),
    listPlugins: unary(list),
    getPlugin: unary(get),
    listPluginVersions: unary(versions),
    deletePlugin: unary(remove),
  };
}

function raise(e: Error): never {
  throw e;
}

function notFound(name: string, version: string | undefined): ApiError {
  const what = version === undefined ? `plugin ${quote(name)} is` : `plugin ${name}@${version} is`;
  return new ApiError('BATON_E_PLUGIN_NOT_FOUND', `${what} not stored on this server`, {
    fieldPath: version === undefined ? 'plugin.name' : 'plugin.version',
  });
}

/** By name, then highest version first. */
function sorted(all: InstalledPlugin[]): InstalledPlugin[] {
  return [...all].sort((a, b) =>
    a.manifest.name === b.manifest.name
      ? compareVersions(b.manifest.version, a.manifest.version)
      : a.manifest.name < b.manifest.name
        ? -1
        : 1,
  );
}

/**
 * A refused upload: the loader's own code, on the request field it came from. A describe call that
 * traps, times out or answers garbage is a fault of the uploaded plugin, not of the server, so it is
 * FAILED_PRECONDITION (not INTERNAL or DEADLINE_EXCEEDED as during a run) and never retryable.
 */
class UploadRefused extends ApiError {
  override get grpcStatus(): number {
    const own = super.grpcStatus;
    const kept: number[] = [status.INVALID_ARGUMENT, status.RESOURCE_EXHAUSTED];
    return kept.includes(own) ? own : status.FAILED_PRECONDITION;
  }
  override get retryable(): boolean {
    return false;
  }
}

async function placed<T>(fieldPath: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw e instanceof BatonError && !(e instanceof ApiError)
      ? new UploadRefused(e.code, e.message, { fieldPath })
      : e;
  }
}

/** Ids of the runs not ended whose RunStarted binds them to name@version with these bytes. */
async function boundRuns(
  store: Store,
  ns: string,
  name: string,
  version: string,
  sha256: string,
): Promise<string[]> {
  const bound: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listRuns(ns, { limit: 500, ...(cursor && { cursor }) });
    for (const run of page.runs) {
      if (TERMINAL.has(run.status)) continue;
      const [first] = await store.read(ns, run.runId, { limit: 1 });
      const pattern = (first?.data as { options?: { pattern?: Record<string, unknown> } } | undefined)
        ?.options?.pattern;
      if (pattern?.name === name && pattern.version === version && pattern.sha256 === sha256)
        bound.push(run.runId);
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return bound;
}
