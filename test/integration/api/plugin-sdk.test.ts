// The SDK's typed `plugins` client against the built `baton serve` (a child process on loopback):
// upload (idempotent, conflicts and refusals as typed errors with the loader's code), list, get,
// versions and delete.

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  createClient,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  type BatonClient,
} from '../../../sdk/src/index.js';
import { builtFixtures, manifestOf } from '../../fixtures/plugins/build.js';
import { wasmModule } from '../../unit/wasm/wasm-bytes.js';
import { startServer, type ServerHandle } from '../sdk/server.js';

let dir: string;
let server: ServerHandle;
let client: BatonClient;
let manifestJson: string;
let wasm: Buffer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-plugin-sdk-'));
  const path = manifestOf(await builtFixtures(), 'counter');
  manifestJson = readFileSync(path, 'utf8');
  wasm = readFileSync(join(path, '..', 'plugin.wasm'));
  server = await startServer({ dataDir: join(dir, 'data') });
  client = createClient({ address: server.address, deadlineMs: 30_000 });
}, 120_000);

afterAll(async () => {
  client?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('uploads, lists, gets, lists versions of and deletes a plugin, as typed objects', async () => {
  const first = await client.plugins.upload({ manifestJson, wasm });
  expect(first.created).toBe(true);
  expect(first.plugin?.sha256).toBe(createHash('sha256').update(wasm).digest('hex'));
  expect((await client.plugins.upload({ manifestJson, wasm })).created).toBe(false);

  const listed = await client.plugins.list({ kind: 'pattern' });
  expect(listed.plugins.map((p) => `${p.name}@${p.version}`)).toEqual(['test/counter@1.0.0']);
  expect(listed.nextPageToken).toBe('');
  const got = await client.plugins.get({ name: 'test/counter' });
  expect(got.uploadedAt).toBeInstanceOf(Date);
  expect(got.sizeBytes).toBe(wasm.length);
  expect(JSON.parse(got.describeJson)).toMatchObject({ name: 'test/counter', version: '1.0.0' });
  expect(await client.plugins.versions('test/counter')).toEqual(['1.0.0']);

  await client.plugins.delete({ name: 'test/counter', version: '1.0.0' });
  await expect(client.plugins.versions('test/counter')).rejects.toBeInstanceOf(NotFoundError);
}, 60_000);

it('rejects with typed errors carrying the loader code and the field', async () => {
  const unbounded = wasmModule({ memory: { min: 1 } });
  const manifest = JSON.stringify({
    name: 'evil/unbounded',
    version: '1.0.0',
    kind: 'pattern',
    abi: '^1.0',
    wasm: 'plugin.wasm',
    sha256: createHash('sha256').update(unbounded).digest('hex'),
  });
  const memory = await client.plugins
    .upload({ manifestJson: manifest, wasm: Buffer.from(unbounded) })
    .catch((e: unknown) => e);
  expect(memory).toBeInstanceOf(FailedPreconditionError);
  expect(memory).toMatchObject({ code: 'BATON_E_PLUGIN_MEMORY', fieldPath: 'wasm' });

  const bad = await client.plugins.upload({ manifestJson: '{}', wasm }).catch((e: unknown) => e);
  expect(bad).toBeInstanceOf(InvalidArgumentError);
  expect(bad).toMatchObject({ code: 'BATON_E_PLUGIN_MANIFEST', fieldPath: 'manifest_json' });

  await client.plugins.upload({ manifestJson, wasm });
  const other = wasmModule({ memory: { min: 1, max: 2 } });
  const conflict = await client.plugins
    .upload({
      manifestJson: JSON.stringify({
        ...JSON.parse(manifestJson),
        sha256: createHash('sha256').update(other).digest('hex'),
      }),
      wasm: Buffer.from(other),
    })
    .catch((e: unknown) => e);
  // The loader runs first: a module whose baton_describe answers nothing is the uploader's fault
  // (FAILED_PRECONDITION with the loader's code, not INTERNAL), before the version is judged.
  expect(conflict).not.toBeInstanceOf(AlreadyExistsError);
  expect(conflict).toBeInstanceOf(FailedPreconditionError);
  expect(conflict).toMatchObject({ code: 'BATON_E_PLUGIN_OUTPUT', fieldPath: 'wasm', retryable: false });
  expect(await client.plugins.versions('test/counter')).toEqual(['1.0.0']);
}, 60_000);
