// Small pieces of the engine's policy, kept apart so engine.ts reads as the run lifecycle: how a
// steering command becomes an entry, which endpoints can run, how agents and owners are named.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { InputFields } from '../core/index.js';
import { BatonError } from '../errors/registry.js';
import type { AgentSpec, WorkflowSpec } from '../spec/schema.js';
import type { RunActor } from './run-actor.js';

/** A command for a run, from whoever steers it (CLI, API). */
export type RunCommand =
  | {
      readonly kind: 'signal';
      readonly channel: string;
      readonly name?: string;
      readonly data: unknown;
      /** The sender's id for the event: a redelivery with the same id is journaled once. */
      readonly eventId?: string;
    }
  | { readonly kind: 'cancel'; readonly by: string; readonly reason: string }
  | { readonly kind: 'pause'; readonly by: string }
  | { readonly kind: 'resume'; readonly by: string };

export function commandEntry(eventId: string, cmd: RunCommand): InputFields {
  switch (cmd.kind) {
    case 'signal':
      return {
        type: 'EventReceived',
        // A sender-chosen id makes retries of the same signal duplicates the core drops.
        eventId: cmd.eventId ? `signal:${cmd.eventId}` : eventId,
        channel: cmd.channel,
        ...(cmd.name === undefined ? {} : { name: cmd.name }),
        data: cmd.data,
        source: 'signal',
      };
    case 'cancel':
      return { type: 'RunCancelRequested', by: cmd.by, reason: cmd.reason };
    case 'pause':
      return { type: 'RunPaused', by: cmd.by };
    case 'resume':
      return { type: 'RunResumed', by: cmd.by };
  }
}

/** Refuses, before a run exists, what this engine cannot carry out yet (rather than skip it silently). */
export function checkRunnable(spec: WorkflowSpec): void {
  const problems: string[] = [];
  const hooks = (spec.hooks ?? []).filter((h) => h.enabled).map((h) => h.name);
  if (hooks.length > 0) problems.push(`hooks (${hooks.join(', ')}) need the hook runner`);
  for (const [id, a] of Object.entries(spec.agents)) {
    if (a.endpoint && 'a2a' in a.endpoint) problems.push(`agent "${id}" is a remote A2A agent`);
    if (a.endpoint && 'queue' in a.endpoint) problems.push(`agent "${id}" takes tasks from a worker queue`);
  }
  if (problems.length > 0) {
    throw new BatonError('BATON_E_UNSUPPORTED_FEATURE', `this engine cannot run yet: ${problems.join('; ')}`);
  }
}

export function breakerKey(agentId: string, spec: AgentSpec | undefined): string {
  const ep = spec?.endpoint;
  if (ep && 'module' in ep) return `module:${ep.module}#${ep.export ?? 'default'}`;
  if (ep && 'a2a' in ep) return `a2a:${ep.a2a}`;
  if (ep && 'queue' in ep) return `queue:${ep.queue}`;
  return `agent:${agentId}:${spec?.type ?? ''}`;
}

/**
 * Owners are `host:pid:nonce`. One on this host whose process is gone is dead for sure (kill -9 leaves
 * its lease behind), so its run can be taken over at once instead of after the lease lapses.
 */
export function isDeadLocalOwner(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (host !== hostname() || !/^\d+$/.test(pid ?? '') || Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Sortable by creation time, unique without coordination: `run_<time36>_<random>`. */
export function newRunId(now: number): string {
  return `run_${now.toString(36)}_${randomHex(5)}`;
}

/** CSPRNG bytes drawn 4 KiB at a time (one call per ~800 run ids, not one each), handed out once each. */
let entropy = Buffer.alloc(0);
let entropyAt = 0;

function randomHex(bytes: number): string {
  if (entropyAt + bytes > entropy.length) {
    entropy = randomBytes(4096);
    entropyAt = 0;
  }
  entropyAt += bytes;
  return entropy.toString('hex', entropyAt - bytes, entropyAt);
}

/** An event the run already journaled (same id): a redelivered signal is not journaled again. */
export function isDuplicateEvent(actor: RunActor, entry: InputFields): boolean {
  return entry.type === 'EventReceived' && actor.state.events.has(entry.eventId);
}
