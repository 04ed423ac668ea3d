// The `lease` setting of `baton serve`: 15s unless set, a duration from a flag, BATON_LEASE or the
// config file, between 1s and 1h (a shorter lease means more renewals; a longer one slower takeovers).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServeConfig } from '../../../src/config/serve-config.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-lease-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lease setting', () => {
  it('is 15s by default', async () => {
    expect((await loadServeConfig({ flags: {}, env: {} })).leaseMs).toBe(15_000);
  });

  it('takes a duration from the flag, the environment and the file, strongest first', async () => {
    const file = join(dir, 'baton.yaml');
    writeFileSync(file, 'lease: 30s\n');
    expect((await loadServeConfig({ flags: {}, env: {}, configFile: file })).leaseMs).toBe(30_000);
    const env = { BATON_LEASE: '2s' };
    expect((await loadServeConfig({ flags: {}, env, configFile: file })).leaseMs).toBe(2_000);
    expect((await loadServeConfig({ flags: { lease: '5' }, env, configFile: file })).leaseMs).toBe(5_000);
  });

  it('refuses a lease under 1s or over 1h, naming the key and where it came from', async () => {
    await expect(loadServeConfig({ flags: { lease: '500ms' }, env: {} })).rejects.toMatchObject({
      code: 'BATON_E_CONFIG_INVALID',
      message: 'lease (from flag --lease): must be between 1s and 1h',
    });
    await expect(loadServeConfig({ flags: {}, env: { BATON_LEASE: '2h' } })).rejects.toMatchObject({
      message: 'lease (from environment variable BATON_LEASE): must be between 1s and 1h',
    });
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'lease: soon\n');
    await expect(loadServeConfig({ flags: {}, env: {}, configFile: file })).rejects.toMatchObject({
      message: expect.stringContaining(`${file}:1:`) as unknown,
    });
  });
});
