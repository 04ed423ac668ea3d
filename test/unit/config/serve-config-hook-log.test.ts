// The `hook_log_retention` setting of `baton serve`: 7 days unless set, a duration from a flag,
// BATON_HOOK_LOG_RETENTION or the config file; at least 1s.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServeConfig } from '../../../src/config/serve-config.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-hook-log-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAY = 86_400_000;

describe('hook_log_retention setting', () => {
  it('is 7 days by default', async () => {
    expect((await loadServeConfig({ flags: {}, env: {} })).hookLogRetentionMs).toBe(7 * DAY);
  });

  it('takes a duration from the flag, the environment and the file, strongest first', async () => {
    const file = join(dir, 'baton.yaml');
    writeFileSync(file, 'hook_log_retention: 2d\n');
    expect((await loadServeConfig({ flags: {}, env: {}, configFile: file })).hookLogRetentionMs).toBe(
      2 * DAY,
    );
    const env = { BATON_HOOK_LOG_RETENTION: '12h' };
    expect((await loadServeConfig({ flags: {}, env, configFile: file })).hookLogRetentionMs).toBe(
      12 * 3_600_000,
    );
    const flags = { hook_log_retention: '60' };
    expect((await loadServeConfig({ flags, env, configFile: file })).hookLogRetentionMs).toBe(60_000);
  });

  it('refuses what is not a duration of at least 1s, naming the key and where it came from', async () => {
    await expect(
      loadServeConfig({ flags: {}, env: { BATON_HOOK_LOG_RETENTION: '0' } }),
    ).rejects.toMatchObject({
      code: 'BATON_E_CONFIG_INVALID',
      message: 'hook_log_retention (from environment variable BATON_HOOK_LOG_RETENTION): must be at least 1s',
    });
  });
});
