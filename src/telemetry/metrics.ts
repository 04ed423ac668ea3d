// Baton's metrics through the OpenTelemetry metrics API: the instruments and one recording function
// per fact, called where the fact happens. Names follow Prometheus conventions once exported (the
// Prometheus exporter adds `_total` to counters; durations are in seconds). Until the composition root
// registers a MeterProvider (src/app-telemetry.ts) every function returns at once: no SDK, no cost.

import {
  metrics,
  ValueType,
  type Attributes,
  type Counter,
  type Histogram,
  type ObservableResult,
} from '@opentelemetry/api';

/** Bucket bounds for durations in seconds: 0.5 ms to 2 min. */
const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** Bucket bounds for small counts (entries per group commit). */
const COUNTS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];
const RATIO = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1];

function make() {
  const m = metrics.getMeter('baton');
  const counter = (name: string, description: string): Counter =>
    m.createCounter(name, { description, valueType: ValueType.INT });
  const seconds = (name: string, description: string): Histogram =>
    m.createHistogram(name, { description, advice: { explicitBucketBoundaries: SECONDS } });
  return {
    runsStarted: counter('baton_runs_started', 'Runs started, by namespace and workflow'),
    runsCompleted: counter('baton_runs_completed', 'Runs that completed, by namespace and workflow'),
    runsFailed: counter('baton_runs_failed', 'Runs that failed, by namespace and workflow'),
    runsCancelled: counter('baton_runs_cancelled', 'Runs cancelled, by namespace and workflow'),
    runsActive: m.createUpDownCounter('baton_runs_active', {
      description: 'Runs this instance drives now',
      valueType: ValueType.INT,
    }),
    attempt: seconds('baton_task_attempt_duration_seconds', 'Task attempts, by agent and outcome'),
    retries: counter('baton_task_retries', 'Task attempts after the first (retries), by agent'),
    dispatch: seconds(
      'baton_dispatch_latency_seconds',
      'From an attempt queued for a worker to a worker holding it, by queue',
    ),
    commit: seconds('baton_journal_commit_duration_seconds', 'Group commits of the journal'),
    commitBatch: m.createHistogram('baton_journal_commit_batch_entries', {
      description: 'Journal entries per group commit',
      valueType: ValueType.INT,
      advice: { explicitBucketBoundaries: COUNTS },
    }),
    entries: counter('baton_journal_entries', 'Journal entries written (rate: events per second)'),
    patternStep: seconds('baton_plugin_step_duration_seconds', 'Pattern plugin steps, by plugin'),
    hookVerdicts: counter('baton_hook_verdicts', 'Hook verdicts, by hook and verdict'),
    hookDuration: seconds('baton_hook_duration_seconds', 'Hook calls, by hook'),
    takeovers: counter('baton_lease_takeovers', 'Runs this instance took over from another owner'),
    fencing: counter(
      'baton_fencing_rejections',
      'Writes the store refused because another instance took the run over',
    ),
    coordination: m.createCounter('baton_coordination_seconds', {
      description: 'Engine time spent deciding and performing (not waiting for agents or the disk)',
    }),
    overhead: m.createHistogram('baton_run_coordination_overhead_ratio', {
      description: 'Engine time over wall time of each run that ended here',
      advice: { explicitBucketBoundaries: RATIO },
    }),
    faults: counter('baton_faults', 'Errors a component caught and went on after, by component'),
  };
}

type Instruments = ReturnType<typeof make>;

let on = false;
let I: Instruments | undefined;

/**
 * Called by the composition root once it registered a MeterProvider: instruments are made from it from
 * now on (the API's meters made before are no-ops for good), and observed gauges are registered.
 */
export function bindMetrics(): void {
  on = true;
  I = make();
  for (const s of sources) register(s);
}

/** Stops recording (the provider was shut down). */
export function unbindMetrics(): void {
  on = false;
  I = undefined;
}

export const metricsOn = (): boolean => on;

export function countFault(component: string): void {
  if (on) I!.faults.add(1, { component });
}

export function runStarted(namespace: string, workflow: string): void {
  if (!on) return;
  I!.runsStarted.add(1, { namespace, workflow });
}

/** A run this instance drives now (+1) or no longer (-1). */
export function runDriven(namespace: string, delta: 1 | -1): void {
  if (on) I!.runsActive.add(delta, { namespace });
}

export function runEnded(
  namespace: string,
  workflow: string,
  status: string,
  engineMs: number,
  wallMs: number,
): void {
  if (!on) return;
  const a: Attributes = { namespace, workflow };
  if (status === 'completed') I!.runsCompleted.add(1, a);
  else if (status === 'failed') I!.runsFailed.add(1, a);
  else if (status === 'cancelled') I!.runsCancelled.add(1, a);
  if (wallMs > 0) I!.overhead.record(Math.min(1, engineMs / wallMs), a);
}

/** Engine time one run spent in a turn (coordination overhead, summed). */
export function coordinated(namespace: string, engineMs: number): void {
  if (on && engineMs > 0) I!.coordination.add(engineMs / 1000, { namespace });
}

/** One task attempt ended: `outcome` is completed, failed, rejected or cancelled. */
export function taskAttempt(agent: string, outcome: string, seconds: number, attempt: number): void {
  if (!on) return;
  I!.attempt.record(seconds, { agent, outcome });
  if (attempt > 1) I!.retries.add(1, { agent });
}

export function dispatchLatency(queue: string, seconds: number): void {
  if (on) I!.dispatch.record(seconds, { queue });
}

export function journalCommit(seconds: number, entries: number): void {
  if (!on) return;
  I!.commit.record(seconds);
  I!.commitBatch.record(entries);
  I!.entries.add(entries);
}

export function patternStep(plugin: string, seconds: number): void {
  if (on) I!.patternStep.record(seconds, { plugin });
}

/**
 * One hook call: its verdict (`allow`, `deny`, `modify`, `error`...) and how long it took. For the hooks
 * system (src/hooks); `hook` is the hook's name, `trigger` the point it ran at.
 */
export function recordHook(hook: string, trigger: string, verdict: string, seconds: number): void {
  if (!on) return;
  I!.hookVerdicts.add(1, { hook, trigger, verdict });
  I!.hookDuration.record(seconds, { hook, trigger });
}

/**
 * Starts the namespace's event counters at 0 (a scrape shows them before the first event, so rate()
 * and alerts on them work from the start).
 */
export function primeMetrics(namespace: string): void {
  if (!on) return;
  I!.takeovers.add(0, { namespace });
  I!.fencing.add(0, { namespace });
}

export function leaseTakeover(namespace: string): void {
  if (on) I!.takeovers.add(1, { namespace });
}

export function fencingRejection(namespace: string): void {
  if (on) I!.fencing.add(1, { namespace });
}

// ── Observed gauges: read from live objects when a reader collects ──────────────────────────────────

export interface QueueGauge {
  readonly queue: string;
  readonly depth: number;
  /** Age of the oldest waiting attempt, in seconds (0 when none waits). */
  readonly oldestAgeSeconds: number;
}

export interface WorkerGauge {
  readonly connected: number;
  /** Slots of connected workers, and how many of them hold work. */
  readonly slots: number;
  readonly busySlots: number;
}

/** Live state the composition root exposes as gauges (any may be absent). */
export interface GaugeSources {
  /** Breaker states by agent key: closed, half-open or open. */
  readonly breakers?: () => Iterable<{ readonly agent: string; readonly state: string }>;
  readonly queues?: () => Iterable<QueueGauge>;
  readonly workers?: () => WorkerGauge;
}

const sources: GaugeSources[] = [];

/** Exposes live state as gauges from now on (registered again when a MeterProvider is bound). */
export function observe(s: GaugeSources): void {
  sources.push(s);
  if (on) register(s);
}

const BREAKER_STATES = ['closed', 'half-open', 'open'];

function register(s: GaugeSources): void {
  const m = metrics.getMeter('baton');
  const { breakers, queues, workers } = s;
  if (breakers)
    m.createObservableGauge('baton_breaker_state', {
      description: 'Circuit breaker state per agent: 0 closed, 1 half-open, 2 open',
    }).addCallback((r: ObservableResult) => {
      for (const b of breakers()) r.observe(Math.max(0, BREAKER_STATES.indexOf(b.state)), { agent: b.agent });
    });
  if (queues) {
    const depth = m.createObservableGauge('baton_queue_depth', {
      description: 'Attempts waiting for a worker, per queue (the autoscaling signal)',
    });
    const age = m.createObservableGauge('baton_queue_oldest_age_seconds', {
      description: 'How long the oldest waiting attempt has waited, per queue',
    });
    m.addBatchObservableCallback(
      (r) => {
        for (const q of queues()) {
          r.observe(depth, q.depth, { queue: q.queue });
          r.observe(age, q.oldestAgeSeconds, { queue: q.queue });
        }
      },
      [depth, age],
    );
  }
  if (workers) {
    const connected = m.createObservableGauge('baton_workers_connected', {
      description: 'Workers connected to this instance',
    });
    const slots = m.createObservableGauge('baton_worker_slots', {
      description: 'Slots of connected workers, by state (free, busy)',
    });
    m.addBatchObservableCallback(
      (r) => {
        const w = workers();
        r.observe(connected, w.connected);
        r.observe(slots, w.busySlots, { state: 'busy' });
        r.observe(slots, Math.max(0, w.slots - w.busySlots), { state: 'free' });
      },
      [connected, slots],
    );
  }
}
