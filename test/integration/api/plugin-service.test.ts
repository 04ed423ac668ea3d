// PluginService over a real loopback server on the embedded app (SQLite and the plugin folder in a temp
// data dir): every RPC, hostile uploads refused with the loader's own code while the server keeps
// serving, version ranges resolved at run start, and delete refused while a live run is bound.

import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import { readErrorDetail } from '../../../src/api/errors.js';
import {
  PluginServiceClient,
  type GetPluginResponse,
  type ListPluginsResponse,
  type ListPluginVersionsResponse,
  type UploadPluginResponse,
} from '../../../src/api/gen/baton/v1/plugin.js';
import {
  HealthClient,
  HealthCheckResponse_ServingStatus,
} from '../../../src/api/gen/grpc/health/v1/health.js';
import { RunFeed } from '../../../src/api/run-feed.js';
import { createServer, listen, type BatonServer } from '../../../src/api/server.js';
import { MAX_PLUGIN_BYTES } from '../../../src/api/plugin-service.js';
import { checkWorkflowSource } from '../../../src/plan/index.js';
import { builtFixtures, manifestOf } from '../../fixtures/plugins/build.js';
import { wasmModule } from '../../unit/wasm/wasm-bytes.js';
import { writeAuction } from './plugin-auction.js';
// @ts-expect-error: a plain ESM script without type declarations.
import { buildPlugin } from '../../../scripts/build-plugins.js';

type Cb<T> = (err: ServiceError | null, res: T) => void;
const promised = <T>(fn: (cb: Cb<T>) => void) =>
  new Promise<T>((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));

let dir: string;
let app: App;
let api: BatonServer;
let plugins: PluginServiceClient;
let health: HealthClient;
const held: Array<() => void> = [];
/** Built auction versions: manifest text and module bytes. */
const auction: Record<string, { manifest: string; wasm: Buffer }> = {};
let counter: { manifest: string; wasm: Buffer };

async function buildAuction(version: string, mark = ''): Promise<{ manifest: string; wasm: Buffer }> {
  const src = writeAuction(join(dir, 'src', `${version}${mark}`), version, mark);
  const path = await (buildPlugin as (d: string, o: string) => Promise<string>)(src, join(src, 'out'));
  return { manifest: readFileSync(path, 'utf8'), wasm: readFileSync(join(path, '..', 'plugin.wasm')) };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-plugin-service-'));
  app = await openApp({
    dataDir: join(dir, 'data'),
    inboxPollMs: 20,
    onTurn: new RunFeed().publish,
    adapterFor: (id) =>
      inProcessAdapter(
        id === 'hold'
          ? ({ signal }) =>
              new Promise((resolve, reject) => {
                held.push(() => resolve('released'));
                signal.addEventListener('abort', () => reject(new Error('aborted')));
              })
          : ({ taskId }) => ({ done: taskId }),
      ),
  });
  api = createServer({
    plugins: {
      ...app.plugins,
      store: app.store,
      namespace: app.engine.namespace,
      onChange: () => app.plugins.patterns.refresh(),
    },
  });
  const target = `127.0.0.1:${await listen(api.server, '127.0.0.1:0')}`;
  plugins = new PluginServiceClient(target, credentials.createInsecure(), {
    'grpc.max_send_message_length': 20 * 1024 * 1024,
  });
  health = new HealthClient(target, credentials.createInsecure());
  const fixtures = await builtFixtures();
  const counterManifest = manifestOf(fixtures, 'counter');
  counter = {
    manifest: readFileSync(counterManifest, 'utf8'),
    wasm: readFileSync(join(counterManifest, '..', 'plugin.wasm')),
  };
  for (const v of ['1.2.0', '1.2.3', '1.10.0']) auction[v] = await buildAuction(v);
}, 120_000);

afterAll(async () => {
  plugins.close();
  health.close();
  await new Promise<void>((resolve) => api.server.tryShutdown(() => resolve()));
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const upload = (manifestJson: string, wasm: Uint8Array) =>
  promised<UploadPluginResponse>((cb) => plugins.uploadPlugin({ manifestJson, wasm: Buffer.from(wasm) }, cb));
const get = (name: string, version = '') =>
  promised<GetPluginResponse>((cb) => plugins.getPlugin({ plugin: { name, version } }, cb));
const list = (kind = '', pageSize = 0, pageToken = '') =>
  promised<ListPluginsResponse>((cb) => plugins.listPlugins({ kind, pageSize, pageToken }, cb));
const versions = (name: string) =>
  promised<ListPluginVersionsResponse>((cb) => plugins.listPluginVersions({ name }, cb));
const remove = (name: string, version: string) =>
  promised<object>((cb) => plugins.deletePlugin({ plugin: { name, version } }, cb));
const serving = () =>
  promised<{ status: HealthCheckResponse_ServingStatus }>((cb) => health.check({ service: '' }, cb)).then(
    (r) => r.status,
  );

async function failure(p: Promise<unknown>): Promise<ServiceError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e as ServiceError,
  );
  if (!err) throw new Error('the call succeeded');
  return err;
}

const stored = () => readdirSync(join(dir, 'data', 'plugins')).filter((d) => !d.startsWith('.'));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
/** A manifest for hand-made bytes: their true sha256 unless told otherwise. */
const manifestFor = (bytes: Uint8Array, extra: object = {}) =>
  JSON.stringify({
    name: 'evil/plugin',
    version: '1.0.0',
    kind: 'pattern',
    abi: '^1.0',
    wasm: 'plugin.wasm',
    sha256: sha(bytes),
    ...extra,
  });

describe('UploadPlugin', () => {
  it('checks and stores a plugin in the data dir; the same bytes again are not created anew', async () => {
    const first = await upload(counter.manifest, counter.wasm);
    expect(first.created).toBe(true);
    expect(first.plugin).toMatchObject({
      name: 'test/counter',
      version: '1.0.0',
      kind: 'pattern',
      sha256: sha(counter.wasm),
      sizeBytes: counter.wasm.length,
    });
    expect(JSON.parse(first.plugin!.describeJson)).toMatchObject({
      name: 'test/counter',
      abi_version: '1.0',
    });
    expect(stored()).toContain('test__counter@1.0.0');
    expect(readFileSync(join(dir, 'data/plugins/test__counter@1.0.0/plugin.wasm'))).toEqual(counter.wasm);
    const again = await upload(counter.manifest, counter.wasm);
    expect(again.created).toBe(false);
  });

  it('refuses other bytes under a stored name@version (ALREADY_EXISTS), keeping the stored ones', async () => {
    await upload(auction['1.2.0']!.manifest, auction['1.2.0']!.wasm);
    const other = await buildAuction('1.2.0', 'changed');
    expect(sha(other.wasm)).not.toBe(sha(auction['1.2.0']!.wasm));
    const err = await failure(upload(other.manifest, other.wasm));
    expect(err.code).toBe(status.ALREADY_EXISTS);
    expect(readErrorDetail(err.metadata)?.code).toBe('BATON_E_PLUGIN_EXISTS');
    expect(err.details).toMatch(/acme\/auction@1\.2\.0 is already stored with other bytes.*bump the version/);
    expect((await get('acme/auction', '1.2.0')).plugin?.sha256).toBe(sha(auction['1.2.0']!.wasm));
  }, 60_000);

  const hostile: Array<[string, () => [string, Uint8Array], number, string, RegExp]> = [
    [
      'wrong hash',
      () => [manifestFor(counter.wasm, { sha256: 'a'.repeat(64) }), counter.wasm],
      status.FAILED_PRECONDITION,
      'BATON_E_PLUGIN_HASH',
      /bytes have sha256 [0-9a-f]{64}, but its manifest .* pins a{64}/,
    ],
    [
      'unbounded memory',
      () => {
        const b = wasmModule({ memory: { min: 1 } });
        return [manifestFor(b), b];
      },
      status.FAILED_PRECONDITION,
      'BATON_E_PLUGIN_MEMORY',
      /declares no memory maximum \(unbounded\)/,
    ],
    [
      'missing export',
      () => {
        const b = wasmModule({
          memory: { min: 1, max: 2 },
          exports: ['baton_abi_v1', 'baton_describe', 'pattern_init'],
        });
        return [manifestFor(b), b];
      },
      status.FAILED_PRECONDITION,
      'BATON_E_PLUGIN_EXPORTS',
      /lacks the export pattern_step/,
    ],
    [
      'garbage bytes',
      () => {
        const b = new TextEncoder().encode('this is not webassembly at all');
        return [manifestFor(b), b];
      },
      status.FAILED_PRECONDITION,
      'BATON_E_PLUGIN_EXPORTS',
      /not a valid WebAssembly module/,
    ],
    [
      'oversized module',
      () => {
        const b = new Uint8Array(MAX_PLUGIN_BYTES + 1);
        return [manifestFor(b), b];
      },
      status.RESOURCE_EXHAUSTED,
      'BATON_E_PLUGIN_TOO_LARGE',
      /has 16777217 bytes; this server accepts at most 16777216/,
    ],
    [
      'manifest not JSON',
      () => ['{ name: ', counter.wasm],
      status.INVALID_ARGUMENT,
      'BATON_E_PLUGIN_MANIFEST',
      /not JSON/,
    ],
    [
      'manifest with an unknown key and a bad version',
      () => [manifestFor(counter.wasm, { version: 'one', extra: 1 }), counter.wasm],
      status.INVALID_ARGUMENT,
      'BATON_E_PLUGIN_MANIFEST',
      /version: a semver version.*Unrecognized key/,
    ],
  ];
  it.each(hostile)('refuses %s with its own code and keeps serving', async (_, make, code, baton, text) => {
    const before = stored();
    const [manifest, bytes] = make();
    const err = await failure(upload(manifest, bytes));
    expect(err.code).toBe(code);
    const detail = readErrorDetail(err.metadata);
    expect(detail?.code).toBe(baton);
    expect(detail?.message).toMatch(text);
    expect(detail?.fieldPath).toMatch(/^(wasm|manifest_json)$/);
    expect(stored()).toEqual(before);
    expect(await serving()).toBe(HealthCheckResponse_ServingStatus.SERVING);
    expect((await list()).plugins.map((p) => p.name)).not.toContain('evil/plugin');
  });

  it('refuses a request without module bytes as INVALID_ARGUMENT naming the field', async () => {
    const err = await failure(upload(counter.manifest, new Uint8Array()));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(readErrorDetail(err.metadata)).toMatchObject({
      code: 'BATON_E_REQUEST_INVALID',
      fieldPath: 'wasm',
    });
  });
});

describe('ListPlugins, GetPlugin, ListPluginVersions', () => {
  beforeAll(async () => {
    for (const v of ['1.2.3', '1.10.0']) await upload(auction[v]!.manifest, auction[v]!.wasm);
  });

  it('lists versions in semver order, highest first (1.10.0 above 1.2.3)', async () => {
    expect((await versions('acme/auction')).versions).toEqual(['1.10.0', '1.2.3', '1.2.0']);
    const err = await failure(versions('acme/nothing'));
    expect(err.code).toBe(status.NOT_FOUND);
    expect(readErrorDetail(err.metadata)?.code).toBe('BATON_E_PLUGIN_NOT_FOUND');
  });

  it('pages through every plugin and filters by kind', async () => {
    const seen: string[] = [];
    let token = '';
    do {
      const page = await list('', 1, token);
      expect(page.plugins.length).toBe(1);
      seen.push(...page.plugins.map((p) => `${p.name}@${p.version}`));
      token = page.nextPageToken;
    } while (token !== '');
    expect(seen).toEqual([
      'acme/auction@1.10.0',
      'acme/auction@1.2.3',
      'acme/auction@1.2.0',
      'test/counter@1.0.0',
    ]);
    expect((await list('pattern')).plugins).toHaveLength(4);
    expect((await list('hook')).plugins).toHaveLength(0);
    const bad = await failure(list('widget'));
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(readErrorDetail(bad.metadata)?.fieldPath).toBe('kind');
    const forged = await failure(list('', 1, 'not-a-token'));
    expect(readErrorDetail(forged.metadata)?.fieldPath).toBe('page_token');
  });

  it('gets name@version with its manifest, sha256, size, describe answer and upload time', async () => {
    const p = (await get('acme/auction', '1.2.3')).plugin!;
    expect(p).toMatchObject({ name: 'acme/auction', version: '1.2.3', sha256: sha(auction['1.2.3']!.wasm) });
    expect(p.sizeBytes).toBe(auction['1.2.3']!.wasm.length);
    expect(JSON.parse(p.describeJson)).toEqual({
      abi_version: '1.0',
      kind: 'pattern',
      name: 'acme/auction',
      version: '1.2.3',
      config_schema: { type: 'object' },
    });
    expect(JSON.parse(p.manifestJson)).toMatchObject({ sha256: p.sha256, wasm: 'plugin.wasm' });
    expect(p.uploadedAt!.getTime()).toBeGreaterThan(Date.now() - 10 * 60_000);
    expect((await get('acme/auction')).plugin?.version).toBe('1.10.0');
    const missing = await failure(get('acme/auction', '9.9.9'));
    expect(missing.code).toBe(status.NOT_FOUND);
    expect(readErrorDetail(missing.metadata)).toMatchObject({
      code: 'BATON_E_PLUGIN_NOT_FOUND',
      fieldPath: 'plugin.version',
    });
  });
});

describe('runs and DeletePlugin', () => {
  const workflow = `workflow:
  name: sale
  version: "1"
  orchestration_pattern: acme/auction@1.2
  agents:
    work: { type: t }
    hold: { type: t }
  tasks:
    - { id: bid, agent: work }
    - { id: close, agent: hold, depends_on: [bid] }
`;

  it('runs acme/auction@1.2 with the highest 1.2.x, refuses deleting it while the run lives, allows it after', async () => {
    const checked = checkWorkflowSource(workflow);
    if (!checked.ok) throw new Error(JSON.stringify(checked.diagnostics));
    const run = await app.engine.start(checked.spec, {});
    // The run is held at `close`: not ended, bound to 1.2.3.
    for (let i = 0; i < 500 && held.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(held.length).toBe(1);
    const started = (await app.store.read('default', run.runId, { limit: 1 }))[0]!;
    expect((started.data as { options: { pattern: unknown } }).options.pattern).toMatchObject({
      name: 'acme/auction',
      version: '1.2.3',
      sha256: sha(auction['1.2.3']!.wasm),
    });
    const refused = await failure(remove('acme/auction', '1.2.3'));
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(readErrorDetail(refused.metadata)?.code).toBe('BATON_E_PLUGIN_IN_USE');
    expect(refused.details).toContain(run.runId);
    expect(stored()).toContain('acme__auction@1.2.3');
    // Another version is free to go.
    await remove('acme/auction', '1.2.0');
    expect(stored()).not.toContain('acme__auction@1.2.0');
    held.shift()!();
    const final = await app.engine.settled(run.runId);
    expect(final.status).toBe('completed');
    const journal = await app.store.read('default', run.runId);
    expect(journal.filter((e) => e.type === 'PatternDecided').length).toBe(2);
    await remove('acme/auction', '1.2.3');
    expect(stored()).not.toContain('acme__auction@1.2.3');
    expect((await failure(get('acme/auction', '1.2.3'))).code).toBe(status.NOT_FOUND);
    const gone = await failure(remove('acme/auction', '1.2.3'));
    expect(gone.code).toBe(status.NOT_FOUND);
    const noVersion = await failure(remove('acme/auction', ''));
    expect(readErrorDetail(noVersion.metadata)).toMatchObject({
      code: 'BATON_E_REQUEST_INVALID',
      fieldPath: 'plugin.version',
    });
  }, 60_000);

  it('a new upload is seen by the next run without a restart (the engine rescans)', async () => {
    const v = await buildAuction('1.2.7');
    await upload(v.manifest, v.wasm);
    const checked = checkWorkflowSource(workflow.replace('hold, depends_on', 'work, depends_on'));
    if (!checked.ok) throw new Error('invalid');
    const run = await app.engine.start(checked.spec, {});
    expect((await app.engine.settled(run.runId)).status).toBe('completed');
    const started = (await app.store.read('default', run.runId, { limit: 1 }))[0]!;
    expect((started.data as { options: { pattern: { version: string } } }).options.pattern.version).toBe(
      '1.2.7',
    );
  }, 60_000);
});
