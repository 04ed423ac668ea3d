// What a run publishes on its bus stream for watchers (engine events, agents' progress), and the
// loopback that turns a published event the run itself waits for into its EventReceived.

import type { TaskStatusUpdateEvent } from '@a2a-js/sdk';
import type { Dispatch, InputFields, Publish } from '../core/index.js';
import type { Bus } from '../bus/bus.js';
import { fault } from '../telemetry/faults.js';
import { progressEvent } from './outcomes.js';

/** The part of a run actor its publishing sees. */
export interface PublishingRun {
  readonly runId: string;
  readonly ended: boolean;
  /** The bus stream watchers of the run read. */
  readonly stream: string;
  submit(fields: InputFields): void;
}

/** The bus stream watchers of a run read: engine events and agents' progress. */
export const runStream = (ns: string, runId: string): string => `ns:${ns}:run:${runId}:events`;

/** An agent's own progress, to watchers only (not the journal: it decides nothing). */
export function publishProgress(
  bus: Bus,
  run: PublishingRun,
  c: Dispatch,
  agent: string,
  u: TaskStatusUpdateEvent,
): void {
  void bus
    .publish(run.stream, progressEvent(c, agent, run.runId, u))
    .catch((e: unknown) => fault('run-actor', `publishing progress of run "${run.runId}"`, e));
}

/** A Publish command, performed once the turn that decided it is durable. */
export function publishEvent(bus: Bus, run: PublishingRun, c: Publish): void {
  const event = { eventId: c.eventId, channel: c.channel, name: c.name, data: c.data, run: run.runId };
  // Watchers are best effort (the journal is the record, the loopback below is what the run needs),
  // but a failed publish is still reported.
  void bus
    .publish(run.stream, event)
    .catch((e: unknown) => fault('run-actor', `publishing an event of run "${run.runId}"`, e));
  // Once the run has ended nothing in it can be waiting for the event: keep the journal closed.
  if (c.loopback && !run.ended) {
    run.submit({
      type: 'EventReceived',
      eventId: c.eventId,
      channel: c.channel,
      ...(c.name === null ? {} : { name: c.name }),
      data: c.data,
      source: `run:${run.runId}`,
    });
  }
}
