// Live progress of a run: on a terminal one status line redrawn in place (tasks done/total, phase,
// active agents, what it waits for, retries, breakers); otherwise one plain line per notable journal
// entry, and one when a task starts waiting for an event (`wait_for` or `on`).

import type { RunActor } from '../runtime/run-actor.js';
import type { CircuitBreakers } from '../runtime/breaker.js';
import type { JournalRecord } from '../store/store.js';
import { paint, type Output } from './io.js';
import { waitingForInput, waitsOf } from '../core/index.js';
import { describeWait } from './run-view.js';
import { describeEntry } from './timeline.js';

/** Entries after which a task may start waiting for an event: its dependencies finished, or the graph changed. */
const GATE_CHANGES = new Set([
  'RunStarted',
  'TaskCompleted',
  'TaskSkipped',
  'EventMatched',
  'PatternDecided',
  'RunModified',
]);

const FRAMES = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';

export class Progress {
  private frame = 0;
  private lastDraw = 0;
  private drawn = false;
  /** Waits already reported (task and what it waits for), so each is printed once. */
  private readonly waitsShown = new Set<string>();

  constructor(
    private readonly o: Output,
    private readonly breakers: CircuitBreakers,
    private readonly live = o.color,
  ) {}

  turn(actor: RunActor, records: readonly JournalRecord[]): void {
    if (!this.live) {
      const start = actor.state.startedAt;
      for (const r of records) {
        const { text, notable } = describeEntry(r);
        if (notable) this.o.err(`[${((r.at - start) / 1000).toFixed(2).padStart(7)}s] ${text}`);
        // Someone has to answer: say how.
        if (r.type === 'TaskInputRequired')
          this.o.err(
            `           answer with: baton input ${actor.runId} ${(r.data as { key: string }).key} '<JSON>'`,
          );
      }
      if (records.some((r) => GATE_CHANGES.has(r.type))) this.newWaits(actor, records.at(-1)?.at ?? start);
      return;
    }
    const now = Date.now();
    if (now - this.lastDraw < 80 && !actor.ended) return;
    this.lastDraw = now;
    process.stderr.write(`\r\x1b[2K${this.line(actor)}`);
    this.drawn = true;
  }

  private newWaits(actor: RunActor, at: number): void {
    for (const w of waitsOf(actor.state)) {
      const key = `${w.task} ${w.gate} ${w.channel}:${w.event ?? ''}`;
      if (this.waitsShown.has(key)) continue;
      this.waitsShown.add(key);
      const offset = ((at - actor.state.startedAt) / 1000).toFixed(2).padStart(7);
      this.o.err(`[${offset}s] ${describeWait(w)}`);
    }
  }

  /** Leaves the terminal on a fresh line. */
  done(): void {
    if (this.drawn) process.stderr.write('\n');
    this.drawn = false;
  }

  private line(actor: RunActor): string {
    const s = actor.state;
    const total = s.tasks.length;
    const done = s.tasks.filter((t) => t.status === 'completed' || t.status === 'skipped').length;
    const active = new Map<string, number>();
    for (const key of s.inFlight) {
      const agent = s.units.get(key)?.instance ?? '?';
      active.set(agent, (active.get(agent) ?? 0) + 1);
    }
    const agents = [...active].map(([a, n]) => (n > 1 ? `${a}×${n}` : a)).join(' ') || '-';
    const open = this.breakers.view().filter((b) => b.state !== 'closed');
    const breakers =
      open.length === 0
        ? 'breakers closed'
        : paint(this.o, 'yellow', `breakers: ${open.map((b) => `${b.agent} ${b.state}`).join(', ')}`);
    const spin = actor.ended ? '•' : FRAMES[this.frame++ % FRAMES.length]!;
    const waits = waitsOf(s).map((w) => `${w.task} on ${w.channel}${w.event === null ? '' : `:${w.event}`}`);
    const waiting = waits.length === 0 ? '' : ` · waiting ${waits.join(', ')}`;
    const asking = waitingForInput(s).map((w) => w.key);
    const input =
      asking.length === 0
        ? ''
        : paint(
            this.o,
            'yellow',
            ` · input needed: ${asking.join(', ')} (baton input ${actor.runId} TASK JSON)`,
          );
    return `${spin} ${s.status} · ${done}/${total} tasks · phase ${s.phase || '-'} · active ${agents}${waiting}${input} · retries ${s.metrics.retries} · ${breakers}`;
  }
}
