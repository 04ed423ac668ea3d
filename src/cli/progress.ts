// Live progress of a run: on a terminal one status line redrawn in place (tasks done/total, phase,
// active agents, retries, breakers); otherwise one plain line per notable journal entry.

import type { RunActor } from '../runtime/run-actor.js';
import type { CircuitBreakers } from '../runtime/breaker.js';
import type { JournalRecord } from '../store/store.js';
import { paint, type Output } from './io.js';
import { describeEntry } from './timeline.js';

const FRAMES = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';

export class Progress {
  private frame = 0;
  private lastDraw = 0;
  private drawn = false;

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
      }
      return;
    }
    const now = Date.now();
    if (now - this.lastDraw < 80 && !actor.ended) return;
    this.lastDraw = now;
    process.stderr.write(`\r\x1b[2K${this.line(actor)}`);
    this.drawn = true;
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
    return `${spin} ${s.status} · ${done}/${total} tasks · phase ${s.phase || '-'} · active ${agents} · retries ${s.metrics.retries} · ${breakers}`;
  }
}
