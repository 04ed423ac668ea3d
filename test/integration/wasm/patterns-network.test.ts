// The network plugin (ABI 1.1) through the engine (SQLite, in-process agents, sandboxed plugin): peers
// address each other by messages, which are journaled as events on the configured channel and delivered
// as each addressed peer's inbox, several peers at once; each way the network ends; the agent-failure
// rule; and that the journal alone (replay, no plugin) gives the live state.

import { describe, expect, it } from 'vitest';
import type { AgentHandler, HandlerContext } from '../../../src/agents/handler.js';
import { fold, snapshot } from '../../../src/core/index.js';
import { toEntry } from '../../../src/runtime/records.js';
import { Workflow, type WorkflowSpec } from '../../../src/spec/schema.js';
import { usePatternEngines } from './patterns-harness.js';

const engine = usePatternEngines(['network']);

interface Mail {
  seq: number;
  from: string;
  message: unknown;
}
interface Said {
  seq: number;
  from: string;
  task: string;
  to?: string[];
  message?: unknown;
  failed?: { code: string; message: string };
}
interface Network {
  transcript: Said[];
  messages: number;
  ended_by: string;
  dropped: number;
  failed: string[];
}
const networkOf = (output: unknown): Network => (output as { network: Network }).network;
const inboxOf = (ctx: HandlerContext): Mail[] => (ctx.input as { inbox?: Mail[] }).inbox ?? [];

function network(
  peers: string[],
  config: Record<string, unknown>,
  extra: { retry?: Record<string, unknown>; channels?: string[] } = {},
): WorkflowSpec {
  return Workflow.parse({
    name: 'net',
    version: '1',
    orchestration_pattern: 'network',
    pattern_config: config,
    coordination: { event_driven: extra.channels ?? ['ledger'] },
    agents: Object.fromEntries(peers.map((a) => [a, { type: a, capabilities: ['talk'] }])),
    tasks: peers.map((id) => ({ id, agent: id, ...(extra.retry ? { retry: extra.retry } : {}) })),
  });
}

/** Branch ledgers: hq asks every branch for its balance; each answers hq; hq acknowledges. */
const BALANCES: Record<string, number> = { north: 120, south: 80 };
const branch =
  (name: string): AgentHandler =>
  (ctx) => {
    const asked = inboxOf(ctx).some((m) => (m.message as { ask?: string }).ask === 'balance');
    return asked ? { to: 'hq', message: { balance: BALANCES[name] } } : { to: [], message: 'idle' };
  };
const hq: AgentHandler = (ctx) => {
  const inbox = inboxOf(ctx);
  if (inbox.length === 0) return { to: 'all', message: { ask: 'balance' } };
  return { to: [], message: { received: inbox.map((m) => m.from) } };
};

describe('network plugin', () => {
  it('delivers messages as journaled events and inboxes, runs addressed peers at once, ends quiescent', async () => {
    const e = await engine({ hq, north: branch('north'), south: branch('south') });
    const wf = network(['hq', 'north', 'south'], { channel: 'ledger' });
    const final = await e.run(wf);
    expect(final.status).toBe('completed');
    const out = networkOf(final.output);
    expect(out.ended_by).toBe('quiescence');
    expect(out.messages).toBe(4);
    expect(out.transcript[0]).toEqual({
      seq: 1,
      from: 'hq',
      task: 'hq',
      to: ['north', 'south'],
      message: { ask: 'balance' },
    });
    const balances = out.transcript.filter((t) => t.task !== 'hq').map((t) => [t.from, t.message]);
    expect(balances.sort()).toEqual([
      ['north', { balance: 120 }],
      ['south', { balance: 80 }],
    ]);
    // hq heard each branch exactly once, whichever answered first.
    const heard = out.transcript
      .filter((t, k) => t.task === 'hq' && k > 0)
      .flatMap((t) => (t.message as { received: string[] }).received);
    expect(heard.sort()).toEqual(['north', 'south']);

    const journal = (await e.app.store.read('default', final.runId)).map(toEntry);
    // Both branches were started by one verdict (a handoff to north, south along).
    const first = journal.find((x) => x.type === 'PatternDecided')!;
    expect(first).toMatchObject({ key: 'hq', decision: { op: 'handoff', to: 'north', also: ['south'] } });
    // Every message is an event on the ledger channel, addressed to its peer, with a step-derived id.
    const events = journal.flatMap((x) => (x.type === 'EventReceived' ? [x] : []));
    expect(events).toHaveLength(4);
    expect(events[0]).toMatchObject({
      eventId: `${final.runId}/hq/step1/event0`,
      channel: 'ledger',
      name: 'message',
      to: 'north',
      source: 'pattern:network',
      data: { seq: 1, from: 'hq', to: 'north', message: { ask: 'balance' } },
    });
    // Each branch got the ask in its inbox, with the peer list.
    const dispatched = await e.dispatched(final.runId);
    expect(dispatched.slice(0, 3)).toEqual(['hq', 'north', 'south']);
    // Replay: the journal alone (no plugin) folds to the live state.
    expect(snapshot(fold(journal))).toEqual(snapshot(final));
  });

  it('ends when a peer says done, at the termination phrase, or before exceeding max_messages', async () => {
    // Two peers negotiate a price: each answers the other's offer with the midpoint of it and its own
    // last offer (echoed back as `yours`), until the two are within 1: then it is a deal.
    const haggle =
      (start: number, other: string): AgentHandler =>
      (ctx) => {
        const last = inboxOf(ctx).at(-1)?.message as { offer: number; yours?: number } | undefined;
        if (last === undefined) return { to: other, message: { offer: start } };
        if (last.yours === undefined) return { to: other, message: { offer: start, yours: last.offer } };
        if (Math.abs(last.offer - last.yours) <= 1)
          return { to: other, message: { deal: last.offer }, done: true };
        return {
          to: other,
          message: { offer: Math.round((last.offer + last.yours) / 2), yours: last.offer },
        };
      };
    const e = await engine({ buyer: haggle(60, 'seller'), seller: haggle(100, 'buyer') });
    const done = networkOf((await e.run(network(['buyer', 'seller'], {}))).output);
    expect(done.ended_by).toBe('done');
    expect(done.transcript.map((t) => t.message)).toEqual([
      { offer: 60 },
      { offer: 100, yours: 60 },
      { offer: 80, yours: 100 },
      { offer: 90, yours: 80 },
      { offer: 85, yours: 90 },
      { offer: 88, yours: 85 },
      { offer: 87, yours: 88 },
      { deal: 87 },
    ]);
    expect(done.messages).toBe(7);

    const chatter: AgentHandler = (ctx) => ({ to: 'all', message: `heard ${inboxOf(ctx).length}` });
    const e2 = await engine({ a: chatter, b: chatter });
    const bounded = await e2.run(network(['a', 'b'], { max_messages: 5 }));
    expect(networkOf(bounded.output)).toMatchObject({ ended_by: 'max_messages', messages: 5 });
    expect(networkOf(bounded.output).transcript).toHaveLength(6);

    const words: AgentHandler = (ctx) => ({
      to: 'all',
      message: inboxOf(ctx).some((m) => m.seq >= 4) ? 'OVER AND OUT' : 'more',
    });
    const e3 = await engine({ a: words, b: words, c: words });
    const over = networkOf((await e3.run(network(['a', 'b', 'c'], { termination_phrase: 'OVER' }))).output);
    expect(over.ended_by).toBe('phrase');
    expect(over.transcript.at(-1)!.message).toBe('OVER AND OUT');
  });

  it('starts at the configured entry peers, all at once', async () => {
    const e = await engine({ hq, north: branch('north'), south: branch('south') });
    const final = await e.run(network(['hq', 'north', 'south'], { entry: ['north', 'south'] }));
    // Neither branch was asked: each says idle to nobody, and nothing is in flight.
    expect(networkOf(final.output)).toMatchObject({ ended_by: 'quiescence', messages: 0 });
    expect((await e.dispatched(final.runId)).sort()).toEqual(['north', 'south']);
  });

  it('on_peer_failure skip: a failed peer is left out and its messages dropped; fail: the run fails', async () => {
    const broken: AgentHandler = () => {
      throw new Error('south ledger offline');
    };
    const retry = { max_attempts: 2, initial_interval: '10ms' };
    const e = await engine({ hq, north: branch('north'), south: broken });
    const skipped = await e.run(network(['hq', 'north', 'south'], { on_peer_failure: 'skip' }, { retry }));
    expect(skipped.status).toBe('completed');
    const out = networkOf(skipped.output);
    expect(out).toMatchObject({ ended_by: 'quiescence', failed: ['south'] });
    expect(out.transcript.find((t) => t.failed !== undefined)).toMatchObject({
      from: 'south',
      failed: { message: expect.stringContaining('south ledger offline') as unknown },
    });
    expect((await e.dispatched(skipped.runId)).filter((k) => k === 'south')).toHaveLength(2);

    const failed = await e.run(network(['hq', 'north', 'south'], {}, { retry }));
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'BATON_E_PEER_FAILED' });
    expect(failed.error!.message).toMatch(/peer south failed .*south ledger offline.* after 2 attempt/);
  });

  it('fails the run, naming plugin, channel and task, when the channel is not declared', async () => {
    const e = await engine({ hq, north: branch('north'), south: branch('south') });
    const final = await e.run(network(['hq', 'north', 'south'], { channel: 'gossip' }));
    expect(final.status).toBe('failed');
    expect(final.error).toMatchObject({ code: 'BATON_E_PATTERN_EVENT' });
    expect(final.error!.message).toMatch(/pattern network .* channel "gossip" for task hq/);
  });

  it('fails the run naming a peer’s bad address, and refuses a config it cannot run', async () => {
    const e = await engine({ a: () => ({ to: 'nobody', message: 1 }), b: () => ({}) });
    const final = await e.run(network(['a', 'b'], {}));
    expect(final.error).toMatchObject({ code: 'BATON_E_PATTERN_OUTPUT' });
    expect(final.error!.message).toContain(
      'with peers among ["a","b"]; it answered {"to":"nobody","message":1}',
    );
    await expect(e.run(network(['a', 'b'], { max_messages: 0 }))).rejects.toMatchObject({
      code: 'BATON_E_PATTERN_CONFIG',
      message: 'network: pattern_config.max_messages: expected an integer from 1 to 1000',
    });
    await expect(e.run(network(['a', 'b'], { entry: 'zed' }))).rejects.toMatchObject({
      message: 'network: pattern_config.entry: no peer "zed" (a task or agent id)',
    });
    await expect(e.run(network(['a'], {}))).rejects.toMatchObject({
      message: 'network: a network needs at least two peer tasks, found 1',
    });
  });
});
