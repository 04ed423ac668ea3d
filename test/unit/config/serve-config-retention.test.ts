// The `retention` setting of `baton serve`: off unless set, a duration from a flag, BATON_RETENTION or
// the config file ("30d", or seconds), "off" to turn it off again over a weaker layer.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServeConfig } from '../../../src/config/serve-config.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-retention-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAY = 86_400_000;

describe('retention setting', () => {
  it('is off by default', async () => {
    const c = await loadServeConfig({ flags: {}, env: {} });
    expect(c.retentionMs).toBeUndefined();
  });

  it('takes a duration from the flag, the environment and the file, strongest first', async () => {
    const file = join(dir, 'baton.yaml');
    writeFileSync(file, 'retention: 30d\n');
    expect((await loadServeConfig({ flags: {}, env: {}, configFile: file })).retentionMs).toBe(30 * DAY);
    const env = { BATON_RETENTION: '12h' };
    expect((await loadServeConfig({ flags: {}, env, configFile: file })).retentionMs).toBe(12 * 3_600_000);
    const flags = { retention: '3600' };
    expect((await loadServeConfig({ flags, env, configFile: file })).retentionMs).toBe(3_600_000);
    const off = { retention: 'off' };
    expect((await loadServeConfig({ flags: off, env, configFile: file })).retentionMs).toBeUndefined();
  });

  it('refuses a value that is not a duration, naming the key and where it came from', async () => {
    await expect(loadServeConfig({ flags: { retention: 'forever' }, env: {} })).rejects.toMatchObject({
      code: 'BATON_E_CONFIG_INVALID',
      message: expect.stringMatching(/^retention \(from flag --retention\): /) as unknown,
    });
    await expect(loadServeConfig({ flags: {}, env: { BATON_RETENTION: '0' } })).rejects.toMatchObject({
      message: 'retention (from environment variable BATON_RETENTION): must be at least 1s (or "off")',
    });
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'retention: soon\n');
    await expect(loadServeConfig({ flags: {}, env: {}, configFile: file })).rejects.toMatchObject({
      message: expect.stringContaining(`${file}:1:`) as unknown,
    });
  });
});
