// The fixture corpus through the full pipeline (parse + validate + plan): every invalid file yields
// exactly the diagnostics its `# expect: CODE LINE:COL` header lines list, and every valid file is ok.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkWorkflowSource } from '../../src/plan/index.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const yamlFiles = (dir: string) =>
  readdirSync(join(FIXTURES, dir))
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();

/** The `# expect:` lines at the top of a fixture, as "CODE LINE:COL" strings. */
function expectations(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^# expect: (BATON_E_[A-Z_]+) (\d+:\d+)\s*$/.exec(line);
    if (!m) break;
    out.push(`${m[1]} ${m[2]}`);
  }
  return out;
}

describe('invalid fixtures', () => {
  const files = yamlFiles('invalid');

  it('has graph fixtures for every semantic rule', () => {
    const codes = new Set(
      files
        .filter((f) => f.startsWith('graph-'))
        .flatMap((f) => expectations(readFileSync(join(FIXTURES, 'invalid', f), 'utf8')))
        .map((e) => e.split(' ')[0]),
    );
    for (const code of [
      'BATON_E_CYCLE',
      'BATON_E_UNKNOWN_DEPENDENCY',
      'BATON_E_UNKNOWN_AGENT',
      'BATON_E_DUPLICATE_TASK',
      'BATON_E_CEL_SYNTAX',
      'BATON_E_CEL_UNKNOWN_TASK',
      'BATON_E_CEL_NOT_UPSTREAM',
      'BATON_E_CEL_UNKNOWN_VARIABLE',
      'BATON_E_CAPABILITY_MISMATCH',
      'BATON_E_QUOTA_AGENTS',
      'BATON_E_QUOTA_CPU',
      'BATON_E_QUOTA_MEMORY',
      'BATON_E_CONFLICTING_KEYS',
      'BATON_E_UNREACHABLE_TASK',
      'BATON_E_UNKNOWN_CHANNEL',
      'BATON_E_FAN_OUT_SOURCE',
    ]) {
      expect(codes).toContain(code);
    }
  });

  it.each(files)('%s reports exactly its expected diagnostics', (file) => {
    const text = readFileSync(join(FIXTURES, 'invalid', file), 'utf8');
    const expected = expectations(text);
    expect(
      expected.length,
      'the file starts with at least one "# expect: CODE LINE:COL" line',
    ).toBeGreaterThan(0);
    const result = checkWorkflowSource(text, { file });
    expect(result.ok).toBe(false);
    const actual = result.diagnostics.map((d) => `${d.code} ${d.line}:${d.col}`);
    expect(actual.sort()).toEqual([...expected].sort());
  });
});

describe('valid fixtures', () => {
  it.each(yamlFiles('valid'))('%s validates and plans', (file) => {
    const result = checkWorkflowSource(readFileSync(join(FIXTURES, 'valid', file)), { file });
    expect(result.diagnostics).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.plan?.levels.flat().length).toBe(result.spec?.tasks.length);
  });
});
