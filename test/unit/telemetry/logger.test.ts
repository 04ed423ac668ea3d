// Structured logs: BATON_LOG filters by level and component, records are JSON lines on stderr with the
// component, the fields a caller adds and the active span's trace id, and a fault is a counted warn record.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseLogFilter } from '../../../src/telemetry/logger.js';

const SCRIPT = fileURLToPath(new URL('../../fixtures/telemetry/log-lines.ts', import.meta.url));

function run(batonLog: string | undefined) {
  const env: NodeJS.ProcessEnv = { ...process.env, BATON_LOG_FORMAT: 'json' };
  if (batonLog === undefined) delete env['BATON_LOG'];
  else env['BATON_LOG'] = batonLog;
  const r = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT], { env, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const records = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const [traceId, faults] = r.stdout.trim().split('\n');
  return { records, traceId, faults: Number(faults) };
}

describe('BATON_LOG', () => {
  it('reads levels and components', () => {
    expect(parseLogFilter(undefined)).toEqual({ base: 'info', components: new Map() });
    expect(parseLogFilter('debug')).toEqual({ base: 'debug', components: new Map() });
    expect(parseLogFilter('debug,lease,hub')).toEqual({
      base: 'info',
      components: new Map([
        ['lease', 'debug'],
        ['hub', 'debug'],
      ]),
    });
    expect(parseLogFilter('warn, store=trace')).toEqual({
      base: 'warn',
      components: new Map([['store', 'trace']]),
    });
  });

  it('debug,lease,hub lets debug records of those components through and keeps the others at info', () => {
    const { records } = run('debug,lease,hub');
    const seen = records.map((r) => `${String(r['component'])}:${String(r['msg'])}`);
    expect(seen).toContain('lease:renewed 3 leases');
    expect(seen).toContain('hub:assigned a job');
    expect(seen).not.toContain('store:read a journal');
    expect(seen).toContain('store:opened');
    const lease = records.find((r) => r['msg'] === 'renewed 3 leases')!;
    expect(lease).toMatchObject({ level: 20, namespace: 'default', run_id: 'run_1', component: 'lease' });
  });

  it('a fault is a warn record with its error and the trace id of the active span, and is counted', () => {
    const { records, traceId, faults } = run('warn');
    expect(records.map((r) => r['msg'])).toEqual(['renewing the leases: the store did not answer']);
    expect(records[0]).toMatchObject({
      level: 40,
      component: 'lease',
      trace_id: traceId,
      err: { message: 'the store did not answer' },
    });
    expect(faults).toBe(1);
  });
});
