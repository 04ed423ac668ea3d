// Rules about events: channels used by on / emits / wait_for are declared, and a task started `on`
// an event can receive it.
//
// Channels: those in coordination.event_driven, plus the engine's built-in `agent_status` and
// `data_updates`, which the engine itself publishes into (so they are always allowed, declared or
// not). Reachability (BATON_E_UNREACHABLE_TASK) of `on: { channel, event }`:
// - a channel no task emits into is external: clients and agents publish into it, so any event
//   name may arrive and the task is reachable;
// - a channel some task emits into is internal: the task is reachable only if some task emits that
//   event name there, or emits there without a name (which can be any event);
// - built-in channels and `on` without an event name are always reachable.
// The other unreachable case, a `when` that is always false, is checked with the CEL rules. Tasks
// downstream of an unreachable task are not reported: fixing the first fixes them.

import type { DocPath } from '../spec/diagnostic.js';
import type { EmitSpec, EventRefSpec } from '../spec/schema.js';
import { quoteList, taskPath, type ValidationContext } from './context.js';

export const BUILTIN_CHANNELS = ['agent_status', 'data_updates'] as const;

const channelOf = (ref: EventRefSpec | EmitSpec): string => (typeof ref === 'string' ? ref : ref.channel);
const eventOf = (ref: EventRefSpec | EmitSpec): string | undefined =>
  typeof ref === 'string' ? undefined : ref.event;

const channelsOf = (ctx: ValidationContext): string[] => [
  ...(ctx.spec.coordination?.event_driven ?? []),
  ...BUILTIN_CHANNELS,
];

export function declaredChannels(ctx: ValidationContext): void {
  const declared = channelsOf(ctx);
  const known = new Set(declared);
  const check = (channel: string, path: DocPath, what: string) => {
    if (known.has(channel)) return;
    ctx.report('BATON_E_UNKNOWN_CHANNEL', path, `${what} uses channel "${channel}", which is not declared`, {
      expected: `a channel of coordination.event_driven (${quoteList(declared)})`,
      hint: ctx.suggest(channel, declared) ?? `add "${channel}" to coordination.event_driven`,
    });
  };
  const refPath = (ref: EventRefSpec | EmitSpec, ...at: Array<string | number>): Array<string | number> =>
    typeof ref === 'string' ? at : [...at, 'channel'];
  ctx.spec.tasks.forEach((t, p) => {
    if (t.on !== undefined)
      check(channelOf(t.on), taskPath(p, ...refPath(t.on, 'on')), `task "${t.id}" (on)`);
    t.emits?.forEach((e, k) =>
      check(channelOf(e), taskPath(p, ...refPath(e, 'emits', k)), `task "${t.id}" (emits)`),
    );
    if (t.wait_for)
      check(t.wait_for.channel, taskPath(p, 'wait_for', 'channel'), `task "${t.id}" (wait_for)`);
  });
}

export function unreachableByEvent(ctx: ValidationContext): void {
  // channel -> event names emitted there; `null` marks an emit without a name (any event).
  const emitted = new Map<string, Set<string | null>>();
  for (const t of ctx.spec.tasks) {
    for (const e of t.emits ?? []) {
      const names = emitted.get(channelOf(e)) ?? new Set();
      names.add(eventOf(e) ?? null);
      emitted.set(channelOf(e), names);
    }
  }
  const builtin = new Set<string>(BUILTIN_CHANNELS);
  const declared = new Set(channelsOf(ctx));
  ctx.spec.tasks.forEach((t, p) => {
    if (t.on === undefined) return;
    const channel = channelOf(t.on);
    const event = eventOf(t.on);
    const names = emitted.get(channel);
    // An undeclared channel is reported as such; builtin channels carry the engine's own events.
    if (!declared.has(channel) || builtin.has(channel)) return;
    if (event === undefined || !names || names.has(event) || names.has(null)) return;
    const emittedNames = [...names] as string[];
    ctx.report(
      'BATON_E_UNREACHABLE_TASK',
      taskPath(p, 'on', 'event'),
      `task "${t.id}" starts on event "${event}" of channel "${channel}", which no task emits`,
      {
        found: `events emitted on "${channel}": ${quoteList(emittedNames)}`,
        hint:
          ctx.suggest(event, emittedNames) ??
          `emit "${event}" from a task, or wait for one of the emitted events`,
      },
    );
  });
}
