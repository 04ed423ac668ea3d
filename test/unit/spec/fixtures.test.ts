// Every test/fixtures/invalid/shape-*.yaml fails parseWorkflow with exactly the diagnostics its
// `# expect: CODE LINE:COL` header lists (no more, no fewer), and every valid fixture parses.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWorkflow } from '../../../src/spec/load.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures');
const shapeFiles = readdirSync(join(FIXTURES, 'invalid')).filter(
  (f) => f.startsWith('shape-') && f.endsWith('.yaml'),
);
const validFiles = readdirSync(join(FIXTURES, 'valid')).filter((f) => f.endsWith('.yaml'));

/** The `# expect:` lines at the top of a fixture, as "CODE LINE:COL" strings. */
function expectations(bytes: Uint8Array): string[] {
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 4096));
  const out: string[] = [];
  for (const line of head.split('\n')) {
    const m = /^# expect: (\S+) (\d+:\d+)\s*$/.exec(line);
    if (!m) break;
    out.push(`${m[1]} ${m[2]}`);
  }
  return out;
}

describe('invalid shape fixtures', () => {
  it('there are at least 14 of them', () => {
    expect(shapeFiles.length).toBeGreaterThanOrEqual(14);
  });

  it.each(shapeFiles)('%s reports exactly the expected codes at the expected places', (file) => {
    const bytes = readFileSync(join(FIXTURES, 'invalid', file));
    const expected = expectations(bytes);
    expect(expected.length, 'the fixture lists what it expects').toBeGreaterThan(0);
    const result = parseWorkflow(bytes, { file });
    expect(result.ok).toBe(false);
    const got = result.ok
      ? []
      : result.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.line}:${d.col}`);
    expect(got.sort()).toEqual(expected.sort());
  });
});

describe('valid fixtures', () => {
  it.each(validFiles)('%s parses without diagnostics', (file) => {
    const result = parseWorkflow(readFileSync(join(FIXTURES, 'valid', file)), { file });
    expect(result.ok ? result.warnings : result.diagnostics).toEqual([]);
  });

  it('the reference workflow of SPEC.md parses exactly as written', () => {
    const result = parseWorkflow(readFileSync(join(FIXTURES, 'valid', 'research_and_analysis.yaml')));
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
    const { spec } = result;
    expect(spec.name).toBe('research_and_analysis');
    expect(spec.version).toBe('1.0');
    expect(spec.orchestration_pattern).toBe('supervisor');
    expect(Object.keys(spec.agents)).toEqual(['supervisor', 'researcher', 'analyzer']);
    expect(spec.agents.researcher).toEqual({
      type: 'research_agent',
      capabilities: ['web_search', 'data_collection'],
    });
    expect(spec.tasks.map((t) => [t.id, t.agent, t.depends_on, t.parallel])).toEqual([
      ['decompose', 'supervisor', [], undefined],
      ['research', 'researcher', ['decompose'], true],
      ['analyze', 'analyzer', ['research'], undefined],
      ['synthesize', 'supervisor', ['analyze'], undefined],
    ]);
    expect(spec.coordination).toEqual({
      type: 'hybrid',
      event_driven: ['agent_status', 'data_updates'],
      graph_based: ['task_flow', 'dependencies'],
    });
  });

  it('anchors, aliases and merge keys in a valid file resolve to the shared values', () => {
    const result = parseWorkflow(readFileSync(join(FIXTURES, 'valid', 'fan_out_and_events.yaml')));
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
    const byId = new Map(result.spec.tasks.map((t) => [t.id, t]));
    const shared = {
      initial_interval: 1000,
      backoff_coefficient: 2,
      max_interval: 60_000,
      max_attempts: 4,
      jitter: true,
    };
    expect(result.spec.retry).toEqual(shared);
    expect(byId.get('search')?.retry).toEqual(shared);
    expect(byId.get('summarize')?.retry).toEqual({ ...shared, max_attempts: 2 });
    expect(byId.get('summarize')?.wait_for?.timeout).toBe(3_600_000);
  });
});
