// The group_chat plugin through the engine (SQLite, in-process agents, sandboxed plugin): who spoke in
// which order, the transcript each speaker received and the run's output, and each way a chat ends.

import { describe, expect, it } from 'vitest';
import type { AgentHandler, HandlerContext } from '../../../src/agents/handler.js';
import { teamWorkflow as workflow, usePatternEngines } from './patterns-harness.js';

const engine = usePatternEngines(['group-chat']);

interface Turn {
  turn: number;
  speaker: string;
  task: string;
  output: { message: string; count?: number; done?: boolean };
}
const transcriptOf = (ctx: HandlerContext): Turn[] => (ctx.input as { transcript?: Turn[] }).transcript ?? [];

/** A participant that counts: adds its step to the last count it heard, and says it. */
const counter =
  (name: string, step: number, stopAt = Infinity): AgentHandler =>
  (ctx) => {
    const last = transcriptOf(ctx).at(-1)?.output.count ?? 0;
    const count = last + step;
    return { message: `${name} says ${count}`, count, ...(count >= stopAt ? { done: true } : {}) };
  };

interface Chat {
  transcript: Turn[];
  turns: number;
  ended_by: string;
}
const chatOf = (output: unknown): Chat => (output as { chat: Chat }).chat;

const chatTasks = (ids: string[]) => ids.map((id) => ({ id, agent: id }));

describe('group_chat plugin', () => {
  it('round robin: participants speak in file order, each hearing the transcript, until max_turns', async () => {
    const e = await engine({ a: counter('a', 1), b: counter('b', 10), c: counter('c', 100) });
    const final = await e.run(
      workflow('group_chat', ['a', 'b', 'c'], chatTasks(['a', 'b', 'c']), { max_turns: 5 }),
    );
    expect(final.status).toBe('completed');
    const out = chatOf(final.output);
    expect(out.ended_by).toBe('max_turns');
    expect(out.turns).toBe(5);
    expect(out.transcript.map((t) => [t.turn, t.speaker, t.output.count])).toEqual([
      [1, 'a', 1],
      [2, 'b', 11],
      [3, 'c', 111],
      [4, 'a', 112],
      [5, 'b', 122],
    ]);
    expect(await e.dispatched(final.runId)).toEqual(['a', 'b', 'c', 'a@2', 'b@2']);
  });

  it('ends at the turn whose output sets the termination field, or whose message has the phrase', async () => {
    const e = await engine({ a: counter('a', 1), b: counter('b', 10, 30) });
    const byField = await e.run(workflow('group_chat', ['a', 'b'], chatTasks(['a', 'b']), { max_turns: 50 }));
    const out = chatOf(byField.output);
    expect(out).toMatchObject({ ended_by: 'field', turns: 6 });
    expect(out.transcript.at(-1)).toMatchObject({ speaker: 'b', output: { count: 33, done: true } });

    const byPhrase = await e.run(
      workflow('group_chat', ['a', 'b'], chatTasks(['a', 'b']), {
        max_turns: 50,
        termination_phrase: 'says 22',
      }),
    );
    expect(chatOf(byPhrase.output)).toMatchObject({ ended_by: 'phrase', turns: 4 });
  });

  it('selector: the selector task picks every next speaker from the transcript', async () => {
    // The selector gives the floor to whoever has spoken least, ties to the last participant listed.
    const selector: AgentHandler = (ctx) => {
      const { transcript = [], participants = ['x', 'y', 'z'] } = ctx.input as {
        transcript?: Turn[];
        participants?: string[];
      };
      const spoken = (p: string) => transcript.filter((t) => t.speaker === p).length;
      const next = [...participants].reverse().reduce((best, p) => (spoken(p) < spoken(best) ? p : best));
      return { next };
    };
    const e = await engine({ mod: selector, x: counter('x', 1), y: counter('y', 2), z: counter('z', 3) });
    const wf = workflow('group_chat', ['mod', 'x', 'y', 'z'], chatTasks(['mod', 'x', 'y', 'z']), {
      selector: 'mod',
      max_turns: 4,
    });
    const final = await e.run(wf);
    const out = chatOf(final.output);
    expect(out.transcript.map((t) => t.speaker)).toEqual(['z', 'y', 'x', 'z']);
    expect(out.transcript.map((t) => t.output.count)).toEqual([3, 5, 6, 9]);
    expect(out.ended_by).toBe('max_turns');
    expect(await e.dispatched(final.runId)).toEqual(['mod', 'z', 'mod@2', 'y', 'mod@3', 'x', 'mod@4', 'z@2']);
  });

  it('carries messages with newlines, quotes and backslashes through the transcript intact', async () => {
    const said = 'line one\nline "two"\t\\ done\u0001';
    const e = await engine({ a: () => ({ message: said }), b: () => ({ message: said, done: true }) });
    const final = await e.run(workflow('group_chat', ['a', 'b'], chatTasks(['a', 'b'])));
    expect(chatOf(final.output).transcript.map((t) => t.output.message)).toEqual([said, said]);
  });

  it('fails the run naming the selector’s bad answer', async () => {
    const e = await engine({ mod: () => ({ next: 'nobody' }), x: counter('x', 1), y: counter('y', 1) });
    const wf = workflow('group_chat', ['mod', 'x', 'y'], chatTasks(['mod', 'x', 'y']), { selector: 'mod' });
    const final = await e.run(wf);
    expect(final.status).toBe('failed');
    expect(final.error?.code).toBe('BATON_E_PATTERN_OUTPUT');
    expect(final.error?.message).toBe(
      'mod: the selector must answer { next: <participant> }, one of ["x","y"]; it answered {"next":"nobody"}',
    );
  });

  it('refuses a config it cannot run, naming the key', async () => {
    const e = await engine({});
    // pattern_init's refusal rejects the start: no run exists.
    await expect(
      e.run(workflow('group_chat', ['a', 'b'], chatTasks(['a', 'b']), { max_turns: 0 })),
    ).rejects.toMatchObject({
      code: 'BATON_E_PATTERN_CONFIG',
      message: 'group_chat: pattern_config.max_turns: expected an integer from 1 to 1000',
    });
    await expect(
      e.run(workflow('group_chat', ['a', 'b'], chatTasks(['a', 'b']), { selector: 'm' })),
    ).rejects.toMatchObject({ message: 'group_chat: pattern_config.selector: no task "m" in the workflow' });
    await expect(e.run(workflow('group_chat', ['a'], chatTasks(['a'])))).rejects.toMatchObject({
      message: 'group_chat: a group chat needs at least two participant tasks, found 1',
    });
  });

  it('a participant that fails (after its retries) fails the run', async () => {
    const e = await engine({
      a: counter('a', 1),
      b: () => {
        throw new Error('b lost its voice');
      },
    });
    const wf = workflow(
      'group_chat',
      ['a', 'b'],
      [
        { id: 'a', agent: 'a' },
        { id: 'b', agent: 'b', retry: { max_attempts: 2, initial_interval: '10ms' } },
      ],
    );
    const final = await e.run(wf);
    expect(final.status).toBe('failed');
    expect(final.error?.message).toContain('b lost its voice');
    expect(await e.dispatched(final.runId)).toEqual(['a', 'b', 'b']);
  });
});
