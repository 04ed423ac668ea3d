// parseWorkflow end to end: the spec it returns, the limits it applies, its warnings, and that it
// never throws, not even on a bug (which comes back as BATON_E_INTERNAL).

import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { LOAD_DEFAULTS, parseWorkflow, parseYamlAs } from '../../../src/spec/load.js';

const MINIMAL = [
  'workflow:',
  '  name: w',
  '  version: 1.5',
  '  agents:',
  '    a: { type: t }',
  '  tasks:',
  '    - id: x',
  '      agent: a',
  '',
].join('\n');

describe('parseWorkflow', () => {
  it('returns the spec with defaults filled in and quantities normalised', () => {
    const r = parseWorkflow(MINIMAL.replace('      agent: a', '      agent: a\n      timeout: 2m'));
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    expect(r.spec).toEqual({
      name: 'w',
      version: '1.5',
      orchestration_pattern: 'graph',
      agents: { a: { type: 't', capabilities: [] } },
      tasks: [{ id: 'x', agent: 'a', depends_on: [], timeout: 120_000 }],
    });
    expect(r.warnings).toEqual([]);
  });

  it('returns a locator that places paths of the spec, for later checks', () => {
    const r = parseWorkflow(MINIMAL);
    if (!r.ok) throw new Error('expected ok');
    expect(r.locator.locate(['workflow', 'tasks', 0, 'agent'])).toEqual({ line: 8, col: 14 });
    expect(r.locator.locate(['workflow', 'tasks', 0, 'agent'], true)).toEqual({ line: 8, col: 7 });
  });

  it('keeps YAML warnings, beside a spec or after the errors', () => {
    const withDirective = `%FUTURE 1\n---\n${MINIMAL}`;
    const ok = parseWorkflow(withDirective);
    // js-yaml marks the warning where it finished reading the directive: the next line.
    expect(ok.ok && ok.warnings.map((w) => [w.severity, w.code, w.line])).toEqual([
      ['warning', 'BATON_E_YAML_SYNTAX', 2],
    ]);
    const bad = parseWorkflow(withDirective.replace('name: w', 'nam: w'));
    expect(!bad.ok && bad.diagnostics.map((d) => d.severity)).toEqual(['error', 'warning']);
  });

  it('applies maxNodes and maxDepth, locating the place', () => {
    // The 11th value is the task's agent; the type of agent a sits 4 levels down.
    const r = parseWorkflow(MINIMAL, { maxNodes: 10 });
    expect(r).toMatchObject({
      ok: false,
      diagnostics: [{ code: 'BATON_E_YAML_ALIAS_LIMIT', line: 8, col: 14 }],
    });
    expect(parseWorkflow(MINIMAL, { maxNodes: 11 }).ok).toBe(true);
    expect(parseWorkflow(MINIMAL, { maxDepth: 3 })).toMatchObject({
      ok: false,
      diagnostics: [{ code: 'BATON_E_YAML_TOO_DEEP', line: 5, col: 16 }],
    });
    expect(parseWorkflow(MINIMAL, { maxDepth: 4 }).ok).toBe(true);
    expect(LOAD_DEFAULTS).toEqual({ maxBytes: 16 * 1024 * 1024, maxDepth: 64, maxNodes: 2_000_000 });
  });

  it('returns no locator for text that is not YAML', () => {
    const r = parseWorkflow('a: [\n');
    expect(r.ok).toBe(false);
    expect(r.locator.locate(['a'])).toEqual({ line: 0, col: 0 });
  });
});

describe('parseYamlAs', () => {
  it('turns an exception into BATON_E_INTERNAL naming the file, instead of throwing', () => {
    const exploding = z.unknown().transform(() => {
      throw new Error('boom');
    });
    expect(parseYamlAs(exploding, 'a: 1\n', { file: 'x.yaml' })).toEqual({
      ok: false,
      diagnostics: [
        expect.objectContaining({
          code: 'BATON_E_INTERNAL',
          message: 'internal error while loading x.yaml: boom',
          line: 0,
        }),
      ],
      locator: expect.anything() as unknown,
    });
    expect(parseYamlAs(exploding, 'a: 1\n')).toMatchObject({
      diagnostics: [{ message: 'internal error: boom' }],
    });
  });

  it('lets the document pick its schema', () => {
    const pick = (doc: unknown) =>
      Array.isArray(doc) ? z.array(z.number()) : z.strictObject({ n: z.number() }).transform((o) => [o.n]);
    expect(parseYamlAs(pick, '[1, 2]')).toMatchObject({ ok: true, value: [1, 2] });
    expect(parseYamlAs(pick, 'n: 3')).toMatchObject({ ok: true, value: [3] });
    expect(parseYamlAs(pick, 'm: 3')).toMatchObject({
      ok: false,
      diagnostics: [{ code: 'BATON_E_UNKNOWN_KEY', hint: 'did you mean "n"?' }],
    });
    expect(parseYamlAs(pick, '[1, x]')).toMatchObject({
      ok: false,
      diagnostics: [{ code: 'BATON_E_WRONG_TYPE', line: 1, col: 5 }],
    });
  });
});
