// The sandbox: untrusted plugin code runs only in a pool of worker threads, never on the main thread.
// Each worker runs one call at a time; a watchdog terminates a worker whose call outlives its timeout
// (the only way to stop a WebAssembly loop) and spawns a fresh one, and the call fails with a typed
// error naming the plugin and export. A worker that dies any other way fails its call the same way.

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BatonError } from '../errors/registry.js';
import type { PluginExport } from './abi.js';
import type { PluginCode, PluginLog, PluginRunner } from './runner.js';
import type { WorkerReply, WorkerRequest } from './sandbox-protocol.js';

export interface WorkerPoolOptions {
  /** Worker threads (default 2). */
  readonly size?: number;
  /** Each worker's JavaScript heap limit in MiB (Extism's own buffers live there; default 64). */
  readonly heapMb?: number;
  readonly log?: PluginLog;
}

interface Job {
  readonly code: PluginCode;
  readonly exp: PluginExport;
  readonly input: string;
  /** Settles the caller's promise: a string resolves it, an Error rejects it. */
  readonly resolveOrReject: (r: string | Error) => void;
}

interface Slot {
  worker: Worker;
  readonly loaded: Set<string>;
  job: Job | null;
  /** The request in flight, its watchdog, and who awaits its answer. */
  pending: { id: number; timer: NodeJS.Timeout; onReply: (r: WorkerReply & { type: 'done' }) => void } | null;
}

// From src/ (tests, tsx) the worker is TypeScript and needs tsx's loader; from dist/ it is plain JS.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(`./sandbox-worker.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url);
// Resolved from this module, not from the process's cwd: a plugin author's folder has no tsx of its own.
// require.resolve finds the CommonJS build of tsx/esm/api; its ES module build sits beside it.
const TSX_API = FROM_SOURCE
  ? pathToFileURL(
      createRequire(import.meta.url)
        .resolve('tsx/esm/api')
        .replace(/\.cjs$/, '.mjs'),
    ).href
  : '';
/** Compiling a module is not the guest's time: loads get this long whatever the call's limit. */
const LOAD_TIMEOUT_MS = 30_000;

export class WorkerPool implements PluginRunner {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  /** Workers terminated by the watchdog or lost otherwise, and replaced (for tests and metrics). */
  respawns = 0;

  constructor(private readonly options: WorkerPoolOptions = {}) {}

  call(code: PluginCode, exp: PluginExport, input: string): Promise<string> {
    if (this.closed) return Promise.reject(closedError(code, exp));
    // Workers start with the first call: a process that never runs a plugin pays nothing for the pool.
    while (this.slots.length < (this.options.size ?? 2)) this.slots.push(this.spawn());
    return new Promise((resolve, reject) => {
      const resolveOrReject = (r: string | Error) => (typeof r === 'string' ? resolve(r) : reject(r));
      this.queue.push({ code, exp, input, resolveOrReject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.resolveOrReject(closedError(job.code, job.exp));
    await Promise.all(
      this.slots.map(async (s) => {
        const worker = s.worker;
        if (s.pending !== null) {
          this.settle(s, { type: 'done', id: s.pending.id, ok: false, kind: 'closed', message: '' });
        }
        await worker.terminate();
      }),
    );
  }

  private spawn(): Slot {
    const slot = { loaded: new Set<string>(), job: null, pending: null } as unknown as Slot;
    this.attach(slot);
    return slot;
  }

  /** Gives `slot` a fresh worker thread. */
  private attach(slot: Slot): void {
    // From source, a bootstrap registers tsx's loader first (workers do not take --import).
    const body = FROM_SOURCE
      ? `import(${JSON.stringify(TSX_API)}).then((t) => { t.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`
      : WORKER_URL;
    const worker = new Worker(body, {
      eval: FROM_SOURCE,
      execArgv: ['--no-warnings'],
      env: {},
      resourceLimits: { maxOldGenerationSizeMb: this.options.heapMb ?? 64 },
    });
    // An idle pool must not keep a CLI process alive; a call in flight holds its watchdog timer.
    worker.unref();
    slot.worker = worker;
    slot.loaded.clear();
    worker.on('message', (r: WorkerReply) => {
      if (r.type === 'log') return this.options.log?.(r.sha, r.level, r.message);
      if (slot.worker === worker && slot.pending?.id === r.id) this.settle(slot, r);
    });
    const lost = (why: string) => {
      if (slot.worker !== worker || this.closed) return;
      this.replace(slot, { kind: 'trap', message: `the sandbox worker died (${why})` });
    };
    worker.on('error', (e) => lost(e.message));
    worker.on('exit', (code) => lost(`exit code ${code}`));
  }

  private settle(slot: Slot, r: WorkerReply & { type: 'done' }): void {
    const pending = slot.pending!;
    clearTimeout(pending.timer);
    slot.pending = null;
    pending.onReply(r);
  }

  /** Kills the slot's worker, answers its pending request with `failure`, and gives it a fresh worker. */
  private replace(slot: Slot, failure: { kind: 'trap' | 'timeout'; message: string }): void {
    const old = slot.worker;
    this.respawns++;
    this.attach(slot);
    void old.terminate();
    if (slot.pending !== null) {
      this.settle(slot, { type: 'done', id: slot.pending.id, ok: false, ...failure });
    }
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.job === null) void this.run(slot, this.queue.shift()!);
    }
  }

  private async run(slot: Slot, job: Job): Promise<void> {
    slot.job = job;
    job.resolveOrReject(await this.attempt(slot, job));
    slot.job = null;
    if (!this.closed) this.pump();
  }

  /** Loads the plugin into the slot's worker if needed, then calls it: the output or the error. */
  private async attempt(slot: Slot, job: Job): Promise<string | Error> {
    const { code, exp } = job;
    if (!slot.loaded.has(code.sha256)) {
      const r = await this.send(
        slot,
        { type: 'load', id: 0, sha: code.sha256, bytes: code.bytes },
        LOAD_TIMEOUT_MS,
      );
      if (!r.ok) return failed(job, r.kind, r.message, LOAD_TIMEOUT_MS);
      slot.loaded.add(code.sha256);
    }
    const r = await this.send(
      slot,
      { type: 'call', id: 0, sha: code.sha256, export: exp, input: job.input, maxOutput: code.outputBytes },
      code.timeoutMs,
    );
    return r.ok ? r.output : failed(job, r.kind, r.message, code.timeoutMs);
  }

  /** Posts one request; the watchdog replaces the worker if no answer comes within `timeoutMs`. */
  private send(slot: Slot, m: WorkerRequest, timeoutMs: number): Promise<WorkerReply & { type: 'done' }> {
    if (this.closed) {
      return Promise.resolve({ type: 'done', id: 0, ok: false, kind: 'closed', message: '' });
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.replace(slot, { kind: 'timeout', message: '' }), timeoutMs);
      slot.pending = { id, timer, onReply: resolve };
      slot.worker.postMessage({ ...m, id });
    });
  }
}

type Failure = Extract<WorkerReply, { ok: false }>['kind'];

/** The typed error for a failed call, naming the plugin and the export. */
function failed(job: Job, kind: Failure, message: string, timeoutMs: number): BatonError {
  const where = `plugin ${job.code.id}, export ${job.exp}`;
  switch (kind) {
    case 'timeout':
      return new BatonError(
        'BATON_E_PLUGIN_TIMEOUT',
        `${where}: no answer within ${timeoutMs} ms; its worker was terminated and replaced`,
      );
    case 'output':
      return new BatonError(
        'BATON_E_PLUGIN_OUTPUT',
        `${where}: the output (${message}) is over the limit of ${job.code.outputBytes} bytes`,
      );
    case 'closed':
      return closedError(job.code, job.exp);
    default:
      return new BatonError('BATON_E_PLUGIN_TRAP', `${where} failed: ${message}`);
  }
}

const closedError = (code: PluginCode, exp: string) =>
  new BatonError('BATON_E_PLUGIN_CLOSED', `plugin ${code.id}, export ${exp}: the plugin host is closed`);
