// The loader's checklist: each way a plugin can be unfit is refused before any of its code runs, with
// its own error code and a message naming the plugin and what to fix.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InThreadRunner } from '../../../src/wasm/in-thread.js';
import { loadPlugin, sha256 } from '../../../src/wasm/loader.js';
import { builtFixtures, manifestOf } from '../../fixtures/plugins/build.js';
import { wasmModule, type ModuleShape } from './wasm-bytes.js';

let dir: string;
let fixtures: string;
const runner = new InThreadRunner();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-loader-'));
  fixtures = await builtFixtures();
});
afterAll(async () => {
  await runner.close();
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
/** Writes a module and its manifest (sha256 right unless overridden); returns the manifest's path. */
async function plugin(
  shape: ModuleShape | Uint8Array,
  manifest: Record<string, unknown> = {},
): Promise<string> {
  const bytes = shape instanceof Uint8Array ? shape : wasmModule(shape);
  const base = join(dir, `p${++n}`);
  await writeFile(`${base}.wasm`, bytes);
  const m = {
    name: 'acme/auction',
    version: '1.2.0',
    kind: 'pattern',
    abi: '^1.0',
    wasm: `p${n}.wasm`,
    sha256: sha256(bytes),
    ...manifest,
  };
  await writeFile(`${base}.json`, JSON.stringify(m));
  return `${base}.json`;
}

const refused = (path: string, code: string, message: RegExp) =>
  expect(loadPlugin(path, { runner })).rejects.toMatchObject({
    code,
    message: expect.stringMatching(message) as string,
  });

describe('the plugin loader checklist', () => {
  it('1. refuses a manifest that does not fit its schema, naming every field', async () => {
    const path = await plugin({ memory: { min: 1, max: 2 } }, { version: 'one', kind: 'saga', extra: true });
    await refused(
      path,
      'BATON_E_PLUGIN_MANIFEST',
      /version: a semver version.*kind: .*: Unrecognized key: "extra"/,
    );
    await writeFile(join(dir, 'broken.json'), '{"name": ');
    await refused(join(dir, 'broken.json'), 'BATON_E_PLUGIN_MANIFEST', /broken\.json: not JSON/);
  });

  it('2. refuses a manifest or module that is not there', async () => {
    await refused(
      join(dir, 'nope.json'),
      'BATON_E_PLUGIN_NOT_FOUND',
      /plugin manifest .*nope\.json cannot be read/,
    );
    const path = await plugin({ memory: { min: 1, max: 2 } }, { wasm: 'gone.wasm' });
    await refused(
      path,
      'BATON_E_PLUGIN_NOT_FOUND',
      /module of plugin acme\/auction@1\.2\.0, .*gone\.wasm cannot be read/,
    );
  });

  it('3. refuses bytes whose sha256 differs from the manifest’s', async () => {
    const path = await plugin({ memory: { min: 1, max: 2 } }, { sha256: 'a'.repeat(64) });
    await refused(
      path,
      'BATON_E_PLUGIN_HASH',
      /its bytes have sha256 [0-9a-f]{64}, but its manifest .* pins a{64}/,
    );
  });

  it('3b. refuses to resume a run with other bytes than it started with', async () => {
    const path = await plugin({ memory: { min: 1, max: 2 } });
    await expect(loadPlugin(path, { runner, expectSha256: 'b'.repeat(64) })).rejects.toMatchObject({
      code: 'BATON_E_PLUGIN_HASH',
      message: expect.stringMatching(
        /the run was started with bytes of sha256 b{64}.*restore that build/,
      ) as string,
    });
  });

  it('4. refuses an ABI range this host does not speak (manifest or marker export)', async () => {
    await refused(
      await plugin({ memory: { min: 1, max: 2 } }, { abi: '^2.0' }),
      'BATON_E_PLUGIN_ABI',
      /asks for ABI \^2\.0; this host speaks 1\.1/,
    );
    await refused(
      await plugin({ memory: { min: 1, max: 2 } }, { abi: '^1.7' }),
      'BATON_E_PLUGIN_ABI',
      /\^1\.7/,
    );
    // ABI 1.1 is this host's: a plugin needing 1.2 (the next minor's additions) is refused.
    await refused(
      await plugin({ memory: { min: 1, max: 2 } }, { abi: '^1.2' }),
      'BATON_E_PLUGIN_ABI',
      /asks for ABI \^1\.2; this host speaks 1\.1/,
    );
    const v2 = await plugin({
      memory: { min: 1, max: 2 },
      exports: ['baton_abi_v2', 'baton_describe', 'pattern_init', 'pattern_step'],
    });
    await refused(v2, 'BATON_E_PLUGIN_ABI', /exports baton_abi_v2: it speaks another ABI major/);
  });

  it('5. refuses a module importing anything but Extism’s kernel (WASI, host functions)', async () => {
    const path = await plugin({
      memory: { min: 1, max: 2 },
      imports: [{ module: 'wasi_snapshot_preview1', name: 'fd_write' }],
    });
    await refused(
      path,
      'BATON_E_PLUGIN_ABI',
      /imports "fd_write" from "wasi_snapshot_preview1"; ABI v1 offers only "extism:host\/env"/,
    );
  });

  it('6. refuses a module without a memory maximum, or with one over the limit', async () => {
    await refused(
      await plugin({ memory: { min: 1 } }),
      'BATON_E_PLUGIN_MEMORY',
      /declares no memory maximum \(unbounded\).*--maximumMemory 256/,
    );
    const big = await plugin({ memory: { min: 1, max: 512 } }, { limits: { memory_pages: 128 } });
    await refused(big, 'BATON_E_PLUGIN_MEMORY', /memory maximum of 512 pages, over the limit of 128/);
    await refused(await plugin({}), 'BATON_E_PLUGIN_MEMORY', /no linear memory/);
  });

  it('7. refuses a pattern without its exports, listing what is missing', async () => {
    const path = await plugin({
      memory: { min: 1, max: 2 },
      exports: ['baton_abi_v1', 'baton_describe', 'pattern_init'],
    });
    await refused(
      path,
      'BATON_E_PLUGIN_EXPORTS',
      /acme\/auction@1\.2\.0 \(kind pattern\) lacks the export pattern_step$/,
    );
    const hook = await plugin({ memory: { min: 1, max: 2 } }, { kind: 'hook' });
    await refused(hook, 'BATON_E_PLUGIN_EXPORTS', /kind hook\) lacks the export hook_run/);
  });

  it('then asks baton_describe, which must agree with the manifest', async () => {
    const good = manifestOf(fixtures, 'counter');
    const loaded = await loadPlugin(good, { runner });
    expect(loaded.id).toBe('test/counter@1.0.0');
    expect(loaded.describe).toEqual({
      abi_version: '1.0',
      kind: 'pattern',
      name: 'test/counter',
      version: '1.0.0',
      config_schema: {},
    });
    const m = JSON.parse(await readFile(good, 'utf8')) as Record<string, unknown>;
    const liar = join(fixtures, 'test__counter', `liar-${process.pid}.json`);
    await writeFile(liar, JSON.stringify({ ...m, version: '9.9.9' }));
    try {
      await refused(
        liar,
        'BATON_E_PLUGIN_MANIFEST',
        /baton_describe reports version "1\.0\.0", its manifest .* "9\.9\.9"/,
      );
    } finally {
      await rm(liar);
    }
  });
});
