// The readable part of a document that failed its schema (what later checks still run on), and the
// one problem a newcomer's file without `workflow:` gets.

import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { parseWorkflow } from '../../../src/spec/load.js';
import { readablePart } from '../../../src/spec/readable.js';

/** The readable part of `doc` under `schema`, as the test reads it. */
function part<T>(schema: z.ZodType<T>, doc: unknown, standIn?: Parameters<typeof readablePart>[3]) {
  const r = schema.safeParse(doc);
  if (r.success) throw new Error('the document is valid');
  return readablePart(schema, doc, r.error.issues, standIn);
}

const Item = z.strictObject({ id: z.string(), size: z.number().optional() });
const Doc = z.strictObject({ title: z.string(), items: z.array(Item).min(1), note: z.string().optional() });

describe('readablePart', () => {
  it('leaves out an unknown key and a wrong optional value, and keeps the rest', () => {
    const doc = { title: 't', colour: 'red', items: [{ id: 'a', size: 'big' }, { id: 'b' }] };
    const r = part(Doc, doc);
    expect(r?.value).toEqual({ title: 't', items: [{ id: 'a' }, { id: 'b' }] });
    expect(r?.dropped).toEqual(
      expect.arrayContaining([
        { path: ['colour'], written: 'red', unknownKey: {} },
        { path: ['items', 0, 'size'], written: 'big' },
      ]),
    );
    expect(doc.items[0]).toEqual({ id: 'a', size: 'big' }); // the document itself is not changed
  });

  it('leaves out the list item whose required key is wrong, and maps later items back to the file', () => {
    const r = part(Doc, { title: 't', items: [{ id: 'a' }, { id: 5 }, { id: 'c', size: 1 }] });
    expect(r?.value.items.map((i) => i.id)).toEqual(['a', 'c']);
    expect(r?.toSource(['items', 1, 'size'])).toEqual(['items', 2, 'size']);
    expect(r?.toSource(['items', 0])).toEqual(['items', 0]);
    expect(r?.dropped.map((d) => d.path)).toEqual(expect.arrayContaining([['items', 1]]));
  });

  it('names the key an unknown key is closest to', () => {
    const r = part(Doc, { title: 't', items: [{ id: 'a' }], nots: 'x' });
    expect(r?.dropped).toEqual([{ path: ['nots'], written: 'x', unknownKey: { meant: 'note' } }]);
  });

  it('gives a missing required key its stand-in, and otherwise gives up at the root', () => {
    const doc = { items: [{ id: 'a' }] };
    expect(part(Doc, doc)).toBeUndefined();
    const standIn = (path: readonly (string | number)[]) =>
      path.join('.') === 'title' ? { value: 'untitled' } : undefined;
    const r = part(Doc, { title: ['wrong'], items: [{ id: 'a' }] }, standIn);
    expect(r?.value.title).toBe('untitled');
    expect(r?.dropped).toEqual([{ path: ['title'], written: ['wrong'], standIn: true }]);
  });

  it('gives up when a stand-in is not accepted either', () => {
    expect(part(Doc, { items: [{ id: 'a' }] }, () => ({ value: 42 }))).toBeUndefined();
  });

  it('gives up when nothing is left: a list that must not be empty lost its only item', () => {
    expect(part(Doc, { title: 't', items: [{ id: 1 }] })).toBeUndefined();
  });
});

describe('a workflow file without `workflow:`', () => {
  it('gets one problem, at its first key, saying the keys belong under `workflow:`', () => {
    const r = parseWorkflow(`# my first workflow
name: hello
version: "1"
agents:
  a: { type: t }
tasks:
  - id: one
    agent: a
`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics).toEqual([
      expect.objectContaining({
        code: 'BATON_E_MISSING_KEY',
        line: 2,
        col: 1,
        message: '"name", "version", "agents" and "tasks" belong under a top-level "workflow:" key',
        expected:
          'a first line "workflow:" with the workflow\'s keys indented under it ("workflow:" then "  name: hello")',
        hint: 'add the line "workflow:" at the top and indent every line below it by two spaces',
      }),
    ]);
  });

  it('shows the first key alone when its value is a mapping, list or long text', () => {
    const first = (text: string) => {
      const r = parseWorkflow(text);
      return r.ok ? undefined : r.diagnostics[0];
    };
    expect(first('tasks:\n  - id: one\n')?.message).toBe('"tasks" belongs under a top-level "workflow:" key');
    expect(first('tasks:\n  - id: one\n')?.expected).toContain('then "  tasks:")');
    expect(first(`name: ${'x'.repeat(60)}\n`)?.expected).toContain('then "  name: ...")');
  });

  it('is not said of a file that has `workflow:` or none of its keys', () => {
    const codes = (text: string) => {
      const r = parseWorkflow(text);
      return r.ok ? [] : r.diagnostics.map((d) => d.code);
    };
    expect(codes('other: 1\n')).toEqual(['BATON_E_MISSING_KEY', 'BATON_E_UNKNOWN_KEY']);
    expect(codes('- name: w\n')).toEqual(['BATON_E_WRONG_TYPE']);
    expect(
      codes('workflow:\n  name: w\n  version: 1\n  agents: {}\n  tasks: [{ id: a, agent: b }]\ntasks: []\n'),
    ).toEqual(['BATON_E_UNKNOWN_KEY']);
  });
});
