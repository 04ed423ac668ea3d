// Several `baton serve` child processes over one store and one bus, as the multi-instance tests run them:
// each instance with a data directory of its own, the fixture agents of test/fixtures/multi-instance and
// a short lease; kill -9 (after SIGSTOP, so what it owned can be read from the store first), the run
// journals read back through GetRunHistory, and the agents' side-effect file parsed.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { RunStatus, type BatonClient, type RunEvent } from '../../sdk/src/index.js';
import { ROOT, startServer, type ServerHandle } from '../integration/sdk/server.js';

export const FIXTURES = join(ROOT, 'test/fixtures/multi-instance');
export const WORKFLOWS = {
  chain: readFileSync(join(FIXTURES, 'chain.yaml'), 'utf8'),
  fanout: readFileSync(join(FIXTURES, 'fanout.yaml'), 'utf8'),
  handoff: readFileSync(join(FIXTURES, 'handoff.yaml'), 'utf8'),
} as const;
export type Kind = keyof typeof WORKFLOWS;
/** The unit keys each workflow completes once (the handoff's turns are its three tasks). */
export const KEYS: Readonly<Record<Kind, readonly string[]>> = {
  chain: ['c1', 'c2', 'c3', 'c4', 'c5'],
  fanout: ['split', 'fan[0]', 'fan[1]', 'fan[2]', 'join'],
  handoff: ['first', 'second', 'third'],
};

export interface InstanceOptions {
  readonly name: string;
  readonly dataDir: string;
  readonly store: string;
  readonly bus: string;
  readonly leaseMs: number;
  /** The agents' side-effect file. */
  readonly effects: string;
  readonly agentDelayMs?: number;
  /** HOST:PORT (default 127.0.0.1:0); a restarted instance takes its old port again. */
  readonly listen?: string;
  readonly namespace?: string;
}

export interface Instance {
  readonly name: string;
  readonly address: string;
  readonly pid: number;
  /** This instance's owner id in run leases (its instance file's name). */
  readonly owner: string;
  stderr(): string;
  /** SIGSTOP: the process holds still (nothing more commits) until killed or continued. */
  freeze(): void;
  /** kill -9, and wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM (a drain), and wait for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  readonly alive: boolean;
}

export async function startInstance(o: InstanceOptions): Promise<Instance> {
  const env = {
    ...process.env,
    BATON_SIDE_EFFECTS: o.effects,
    BATON_AGENT_DELAY_MS: String(o.agentDelayMs ?? 60),
    BATON_LEASE: `${o.leaseMs}ms`,
    ...(o.namespace === undefined ? {} : { BATON_NAMESPACE: o.namespace }),
  };
  const server: ServerHandle = await startServer({
    dataDir: o.dataDir,
    env,
    ...(o.listen === undefined ? {} : { listen: o.listen }),
    extraArgs: ['--store', o.store, '--bus', o.bus, '--agents-dir', FIXTURES, '--drain-grace', '2s'],
  });
  const owner = ownerOf(o.dataDir, server.child.pid!);
  const exited = once(server.child, 'exit');
  return {
    name: o.name,
    address: server.address,
    pid: server.child.pid!,
    owner,
    stderr: server.stderr,
    freeze: () => void server.child.kill('SIGSTOP'),
    async kill9() {
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      await server.stop('SIGTERM');
      return server.child.exitCode;
    },
    get alive() {
      return server.child.exitCode === null && server.child.signalCode === null;
    },
  };
}

/** The owner id of the engine whose instance file in `dataDir` names `pid`. */
export function ownerOf(dataDir: string, pid: number): string {
  const dir = join(dataDir, 'instances');
  for (const file of existsSync(dir) ? readdirSync(dir) : []) {
    const record = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { pid: number };
    if (record.pid === pid) return file.replace(/\.json$/, '');
  }
  throw new Error(`no instance file of pid ${pid} in ${dir}`);
}

/** A run's whole journal through GetRunHistory, page by page. */
export async function history(client: BatonClient, runId: string): Promise<RunEvent[]> {
  const out: RunEvent[] = [];
  let cursor = '';
  for (;;) {
    const page = await client.runs.history({ runId, afterCursor: cursor, pageSize: 1000 });
    out.push(...page.events);
    if (page.nextCursor === '' || page.events.length === 0) return out;
    cursor = page.nextCursor;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls GetRun (through `client`, any live instance) until every run has ended; returns the final
 * status of each. Gives up after `timeoutMs`, returning what it saw, so the test's assertions say
 * which runs did not end.
 */
export async function awaitEnded(
  client: BatonClient,
  runIds: readonly string[],
  timeoutMs: number,
): Promise<Map<string, RunStatus>> {
  const status = new Map<string, RunStatus>();
  const deadline = Date.now() + timeoutMs;
  let open = [...runIds];
  while (open.length > 0 && Date.now() < deadline) {
    const runs = await Promise.all(open.map((id) => client.runs.get(id)));
    for (const r of runs) status.set(r.runId, r.status);
    open = runs.filter((r) => !ENDED.has(r.status)).map((r) => r.runId);
    if (open.length > 0) await sleep(250);
  }
  return status;
}

const ENDED = new Set([
  RunStatus.RUN_STATUS_COMPLETED,
  RunStatus.RUN_STATUS_FAILED,
  RunStatus.RUN_STATUS_CANCELLED,
]);

export interface SideEffect {
  readonly at: 'start' | 'done';
  readonly run: string;
  readonly key: string;
  readonly idem: string;
  readonly pid: number;
}

export function sideEffects(file: string): SideEffect[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SideEffect);
}

/** What a run's journal says about exactly-once, gaps and takeovers. */
export interface JournalFacts {
  readonly seqs: number[];
  readonly gapFree: boolean;
  /** Unit keys with more than one TaskCompleted. */
  readonly completedTwice: string[];
  readonly completedKeys: Set<string>;
  /** RunTakenOver entries: from which owner. */
  readonly takenOverFrom: Array<string | undefined>;
  readonly last: string | undefined;
}

export function journalFacts(events: readonly RunEvent[]): JournalFacts {
  const seqs = events.map((e) => Number(e.seq));
  const counts = new Map<string, number>();
  const takenOverFrom: Array<string | undefined> = [];
  for (const e of events) {
    const data = (e.data ?? {}) as { key?: string; from?: string };
    if (e.type === 'TaskCompleted' && data.key !== undefined)
      counts.set(data.key, (counts.get(data.key) ?? 0) + 1);
    if (e.type === 'RunTakenOver') takenOverFrom.push(data.from);
  }
  return {
    seqs,
    gapFree: seqs.every((s, i) => s === i + 1),
    completedTwice: [...counts].filter(([, n]) => n > 1).map(([k]) => k),
    completedKeys: new Set(counts.keys()),
    takenOverFrom,
    last: events.at(-1)?.type,
  };
}
