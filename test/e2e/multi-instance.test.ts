// Three `baton serve` instances over one PostgreSQL schema and one Redis prefix, 200 runs (chains,
// fan-outs, the handoff plugin pattern) started through all three, and kill -9 of an instance three times
// while runs are in flight (the first two restarted on their port, the last one not). Every run
// completes; no journal has a gap or a task completed twice; every run a killed instance owned was taken
// over (RunTakenOver from it); a side effect ran twice only for an attempt in flight in a killed process,
// with the same idempotency key; and Watch clients connected to the first killed instance reconnect to
// another and miss no entry. Then a drain (SIGTERM) of one of two instances: its runs move to the other
// without waiting for a lease, and the other lifts the drain's pause.

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createClient, RunStatus, type BatonClient, type RunEvent } from '../../sdk/src/index.js';
import { deletePrefix } from '../integration/bus/redis-harness.js';
import { dropSchema, pgQuery, pgTestSchema } from '../integration/store/pg-schema.js';
import { tempDir } from './cli-helpers.js';
import {
  awaitEnded,
  history,
  journalFacts,
  KEYS,
  sideEffects,
  startInstance,
  WORKFLOWS,
  type Instance,
  type Kind,
} from './cluster-harness.js';

const LEASE_MS = 2_000;
const RUNS = 200;
const START_EVERY_MS = 30;
/** Each agent call takes this long plus up to as much again: runs last a second or more, so kills find many. */
const AGENT_DELAY_MS = 120;
/**
 * When each kill -9 happens: after so many starts (kills follow the workload, not the clock, so a loaded
 * machine cannot move them past the runs), and whether that instance comes back on its port. Before the
 * last kill the starts wait until the restarted instances serve again (`await`), then go on a while.
 */
const KILLS = [
  { afterStarts: 40, victim: 0, restart: true },
  { afterStarts: 100, victim: 1, restart: true },
  { afterStarts: 175, victim: 2, restart: false, await: 150 },
];
const ENDED = ['completed', 'failed', 'cancelled'];

const tmp = tempDir();
const { schema, url: store } = pgTestSchema('mi');
const prefix = `baton-test-mi-${randomBytes(6).toString('hex')}`;
const bus = `redis://127.0.0.1:6379?prefix=${prefix}`;
const effects = join(tmp.dir, 'effects.jsonl');
const instances: Instance[] = [];
const clients: BatonClient[] = [];

afterAll(async () => {
  if (process.env.BATON_TEST_DEBUG)
    for (const i of instances) console.error(`--- ${i.name} ${i.pid}\n${i.stderr()}`);
  for (const c of clients) c.close();
  await Promise.all(instances.map((i) => i.kill9()));
  await dropSchema(schema);
  await deletePrefix(prefix);
  tmp.cleanup();
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const KINDS: Kind[] = ['chain', 'fanout', 'handoff'];

it('200 runs over three instances survive three kill -9s: all complete, nothing forked or lost', async () => {
  const start = (name: string, port = 0, n = instances.length) =>
    startInstance({
      name,
      dataDir: join(tmp.dir, `${name}-${n}`),
      store,
      bus,
      leaseMs: LEASE_MS,
      effects,
      agentDelayMs: AGENT_DELAY_MS,
      ...(port === 0 ? {} : { listen: `127.0.0.1:${port}` }),
    });
  const live: Instance[] = await Promise.all(['a', 'b', 'c'].map((n, i) => start(n, 0, i)));
  instances.push(...live);
  const ports = live.map((i) => Number(i.address.split(':')[1]));
  const all = `ipv4:${ports.map((p) => `127.0.0.1:${p}`).join(',')}`;
  // Starts and reads go round-robin over the three; a start a kill interrupts is retried (same request id).
  const client = createClient({
    address: all,
    deadlineMs: 30_000,
    retry: { maxAttempts: 10, maxBackoffMs: 500 },
    channelOptions: { 'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }) },
  });
  // Watches go to the first instance listed (pick_first), the first one killed, and move on from there.
  const watcher = createClient({ address: all, retry: { maxAttempts: 20, maxBackoffMs: 500 } });
  clients.push(client, watcher);

  const kindOf = new Map<string, Kind>();
  const watched = new Map<string, RunEvent[]>();
  const watches: Array<Promise<void>> = [];
  const watchDone = new Set<string>();
  const watch = (runId: string) => {
    const seen: RunEvent[] = [];
    watched.set(runId, seen);
    watches.push(
      (async () => {
        for await (const e of watcher.runs.watch(runId)) seen.push(e);
        watchDone.add(runId);
      })(),
    );
  };
  /** Watches still streaming when the first instance (the one they are connected to) was killed. */
  let watchesCut = 0;

  // What each killed instance owned at its kill, read from the store while it was frozen.
  const ownedAtKill: Array<{ owner: string; runs: string[] }> = [];
  const restarts: Array<Promise<void>> = [];
  const t0 = Date.now();
  const kill = async (k: (typeof KILLS)[number]): Promise<void> => {
    const victim = live[k.victim]!;
    victim.freeze();
    if (ownedAtKill.length === 0) watchesCut = watched.size - watchDone.size;
    // Statements it sent before it stopped still commit (under load, a commit can take longer than a
    // fixed pause: a run read as owned here then ended without a takeover). So read what it owns until
    // the answer holds for three reads in a row, 250 ms apart, after at least 500 ms.
    const owned = async () =>
      (
        await pgQuery<{ run_id: string }>(
          `SELECT run_id FROM ${schema}.runs WHERE owner = $1 AND status <> ALL($2) ORDER BY run_id`,
          [victim.owner, ENDED],
        )
      ).map((r) => r.run_id);
    await sleep(500);
    let runs = await owned();
    for (let same = 0; same < 2;) {
      await sleep(250);
      const again = await owned();
      same = again.join() === runs.join() ? same + 1 : 0;
      runs = again;
    }
    ownedAtKill.push({ owner: victim.owner, runs });
    await victim.kill9();
  };
  const chaos: Array<Promise<void>> = [];

  const starts: Array<Promise<string>> = [];
  for (let i = 0, next = 0; i < RUNS; i++) {
    const k = KILLS[next];
    if (k?.await === i) await Promise.all(restarts);
    if (k?.afterStarts === i) {
      next += 1;
      const killed = kill(k);
      chaos.push(killed);
      if (k.restart)
        restarts.push(
          killed.then(async () => {
            const again = await start(live[k.victim]!.name, ports[k.victim]);
            live[k.victim] = again;
            instances.push(again);
          }),
        );
    }
    const kind = KINDS[i % 3]!;
    starts.push(
      client.runs.start({ workflowSource: WORKFLOWS[kind], requestId: `mi-${i}` }).then((run) => {
        kindOf.set(run.runId, kind);
        if (i % 4 === 0) watch(run.runId);
        return run.runId;
      }),
    );
    await sleep(START_EVERY_MS);
  }
  const runIds = await Promise.all(starts);
  await Promise.all(chaos);
  expect(new Set(runIds).size).toBe(RUNS);

  const status = await awaitEnded(client, runIds, 60_000);
  const notCompleted = runIds.filter((id) => status.get(id) !== RunStatus.RUN_STATUS_COMPLETED);
  expect(notCompleted, 'runs that did not complete').toEqual([]);
  await Promise.all(watches);

  // Every journal: gap-free, each expected task completed exactly once, ending in RunCompleted.
  const journals = new Map<string, RunEvent[]>();
  for (const id of runIds) journals.set(id, await history(client, id));
  let takeovers = 0;
  for (const [id, events] of journals) {
    const facts = journalFacts(events);
    expect(facts.gapFree, `${id}: seqs ${facts.seqs.join(',')}`).toBe(true);
    expect(facts.completedTwice, `${id}: tasks completed twice`).toEqual([]);
    expect([...facts.completedKeys].sort(), id).toEqual([...KEYS[kindOf.get(id)!]].sort());
    expect(facts.last, id).toBe('RunCompleted');
    takeovers += facts.takenOverFrom.length;
  }

  // Each kill landed with runs in flight, and every one of them was taken over from the killed owner.
  expect(ownedAtKill).toHaveLength(KILLS.length);
  for (const { owner, runs } of ownedAtKill) {
    expect(runs.length, `runs owned by ${owner} at its kill`).toBeGreaterThan(0);
    for (const id of runs) expect(journalFacts(journals.get(id)!).takenOverFrom, id).toContain(owner);
  }

  // Side effects: one idempotency key per task of a run, re-issues included; a key that completed twice
  // did so only because the process running it first was killed before its result was journaled.
  const killedPids = new Set(instances.filter((i) => !i.alive).map((i) => i.pid));
  const lines = sideEffects(effects);
  const idemsOf = new Map<string, Set<string>>();
  const doneBy = new Map<string, number[]>();
  for (const l of lines) {
    const task = `${l.run} ${l.key}`;
    idemsOf.set(task, (idemsOf.get(task) ?? new Set()).add(l.idem));
    if (l.at === 'done') doneBy.set(l.idem, [...(doneBy.get(l.idem) ?? []), l.pid]);
  }
  for (const [task, idems] of idemsOf)
    expect([...idems], `${task} got several idempotency keys`).toHaveLength(1);
  const twice = [...doneBy].filter(([, pids]) => pids.length > 1);
  const startsOf = new Map<string, number>();
  for (const l of lines) if (l.at === 'start') startsOf.set(l.idem, (startsOf.get(l.idem) ?? 0) + 1);
  const reissued = [...startsOf.values()].filter((n) => n > 1).length;
  for (const [idem, pids] of twice) {
    for (const pid of pids.slice(0, -1)) expect(killedPids, `${idem} ran first in pid ${pid}`).toContain(pid);
  }
  const inFlightAtKills = ownedAtKill.reduce((n, k) => n + k.runs.length, 0);
  console.log(
    JSON.stringify({
      test: 'multi-instance',
      runs: RUNS,
      lease_ms: LEASE_MS,
      kills: KILLS.length,
      runs_owned_at_kills: ownedAtKill.map((k) => k.runs.length),
      takeovers_journaled: takeovers,
      side_effects: lines.filter((l) => l.at === 'done').length,
      attempts_reissued_after_kill: reissued,
      keys_completed_twice_at_least_once: twice.length,
      watches_cut_by_kill: watchesCut,
      in_flight_runs_at_kills: inFlightAtKills,
      elapsed_ms: Date.now() - t0,
    }),
  );

  // The watches that moved from the killed instance to another saw exactly the journal, in order.
  expect(watchesCut, 'watches streaming when their instance was killed').toBeGreaterThan(0);
  for (const [id, seen] of watched) {
    expect(
      seen.map((e) => Number(e.seq)),
      `watch of ${id}`,
    ).toEqual(journals.get(id)!.map((e) => Number(e.seq)));
  }
}, 120_000);

it("a drained instance's runs move to another without waiting for a lease: taken over, un-paused, completed", async () => {
  const pair = await Promise.all(
    ['d1', 'd2'].map((name) =>
      startInstance({
        name,
        dataDir: join(tmp.dir, name),
        store,
        bus,
        leaseMs: 4_000,
        effects,
        agentDelayMs: AGENT_DELAY_MS,
        namespace: 'drain',
      }),
    ),
  );
  instances.push(...pair);
  const [draining, other] = pair as [Instance, Instance];
  const onDraining = createClient({ address: draining.address, deadlineMs: 30_000 });
  const onOther = createClient({ address: other.address, deadlineMs: 30_000 });
  clients.push(onDraining, onOther);
  const runIds: string[] = [];
  for (let i = 0; i < 12; i++) {
    const kind = KINDS[i % 3]!;
    runIds.push(
      (await onDraining.runs.start({ workflowSource: WORKFLOWS[kind], requestId: `d-${i}` })).runId,
    );
  }
  expect(await draining.stop()).toBe(0);

  const status = await awaitEnded(onOther, runIds, 60_000);
  expect(runIds.filter((id) => status.get(id) !== RunStatus.RUN_STATUS_COMPLETED)).toEqual([]);
  let moved = 0;
  for (const id of runIds) {
    const events = await history(onOther, id);
    const facts = journalFacts(events);
    expect(facts.gapFree, id).toBe(true);
    expect(facts.completedTwice, id).toEqual([]);
    const paused = events.findIndex((e) => e.type === 'RunPaused');
    if (paused === -1) continue; // it ended within the drain
    moved += 1;
    const after = events.slice(paused);
    const taken = after.findIndex((e) => e.type === 'RunTakenOver');
    const resumed = after.findIndex((e) => e.type === 'RunResumed');
    expect(taken, `${id} taken over after the drain`).toBeGreaterThan(0);
    // Released by the drain, not lapsed: the claim names no previous owner.
    expect((after[taken]!.data as { from?: string }).from, id).toBeUndefined();
    expect(resumed, `${id} un-paused by its new owner`).toBeGreaterThan(taken);
    expect((after[resumed]!.data as { by?: string }).by).toBe('server restart');
  }
  expect(moved, 'runs the drain paused and the other instance took on').toBeGreaterThan(0);
}, 60_000);
