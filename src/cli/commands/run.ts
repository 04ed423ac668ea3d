// `baton run FILE` and `baton resume RUN`: drive a run in this process to its end, with live progress,
// then print its report. The run is durable: kill this process at any moment and `baton resume` it (the
// id is printed once the run's first entry is committed). Resuming a run that has ended prints its
// report and exits as `baton run` did (0 when it completed).

import { dirname, resolve } from 'node:path';
import { A2A_CREDENTIALS_ENV, openApp, type App } from '../../app.js';
import { startTelemetry } from '../../app-telemetry.js';
import { BatonError } from '../../errors/registry.js';
import { formatDiagnostics } from '../../spec/index.js';
import type { RunState } from '../../core/index.js';
import { readValueFile, type Output } from '../io.js';
import { Progress } from '../progress.js';
import { printOutcome } from '../report.js';
import { statusJson } from './status.js';
import { checkFile, loadCheckInputs } from './context.js';
import { storeLabel, storeUrl } from '../store-option.js';

export interface RunOpts {
  readonly input?: string;
  readonly json?: boolean;
  readonly dataDir: string;
  /** A store URL (--store / BATON_STORE); default: SQLite in dataDir. */
  readonly store?: string;
  readonly constraints?: string;
  readonly registry?: string;
  /** Secrets of remote A2A agents (else BATON_A2A_CREDENTIALS; BATON_A2A_TOKEN_* are always read). */
  readonly a2aCredentials?: string;
}

export async function runCommand(file: string, opts: RunOpts, o: Output): Promise<number> {
  const inputs = await loadCheckInputs(opts, o);
  if (!inputs) return 1;
  const checked = await checkFile(file, inputs);
  if (!checked.ok) {
    o.err(formatDiagnostics(checked.diagnostics, file, o.color));
    return 1;
  }
  const input = await parseInputOption(opts.input);
  return drive(opts, o, async (app) => {
    const actor = await app.engine.start(checked.spec, input, {
      baseDir: dirname(resolve(file)),
      ...(inputs.constraints ? { constraints: inputs.constraints } : {}),
      // A caller's trace (otel-cli and CI systems set TRACEPARENT) contains the run.
      ...(process.env['TRACEPARENT'] ? { traceparent: process.env['TRACEPARENT'] } : {}),
    });
    // The id is printed only once RunStarted is durable: a kill -9 right after the line leaves a run
    // that `baton resume` finds.
    await actor.whenCreated();
    return { runId: actor.runId };
  });
}

export async function resumeCommand(
  runId: string,
  opts: Pick<RunOpts, 'json' | 'dataDir' | 'store' | 'a2aCredentials'>,
  o: Output,
): Promise<number> {
  return drive(opts, o, async (app) => {
    // A run that has ended is not an error to resume: its report is what the caller wanted.
    const state = await app.engine.load(runId);
    if (ENDED.has(state.status)) {
      o.err(`run ${runId} already ${state.status}: nothing to resume; its report follows`);
      return { runId, final: state };
    }
    const actor = await app.engine.resume(runId);
    if (actor.state.status === 'paused') await app.engine.command(runId, { kind: 'resume', by: 'cli' });
    return { runId };
  });
}

const ENDED = new Set(['completed', 'failed', 'cancelled']);

/**
 * Opens the embedded app, starts or takes over a run, shows progress, and prints how it ended (exit 0
 * when it completed). `begin` gives the run's final state itself when the run had already ended.
 */
async function drive(
  opts: Pick<RunOpts, 'json' | 'dataDir' | 'store' | 'a2aCredentials'>,
  o: Output,
  begin: (app: App) => Promise<{ runId: string; final?: RunState }>,
): Promise<number> {
  const view: { progress?: Progress } = {};
  const store = storeUrl(opts);
  // Traces are exported when OTEL_TRACES_EXPORTER says so (app-telemetry.ts); nothing is installed otherwise.
  const telemetry = await startTelemetry();
  const app = await openApp({
    dataDir: opts.dataDir,
    ...(store === undefined ? {} : { store }),
    onTurn: (actor, records) => view.progress?.turn(actor, records),
    a2a: { credentialsFile: opts.a2aCredentials ?? nonEmpty(process.env[A2A_CREDENTIALS_ENV]) },
  });
  const progress = (view.progress = new Progress(o, app.engine.breakers));
  let runId: string | undefined;
  const interrupt = () => {
    progress.done();
    o.err(runId ? `interrupted: the run is saved; continue it with: baton resume ${runId}` : 'interrupted');
    void app.close().then(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  try {
    const begun = await begin(app);
    runId = begun.runId;
    o.err(`run ${runId} (${storeLabel(opts)})`);
    let final: RunState;
    try {
      final = begun.final ?? (await app.engine.settled(runId));
    } finally {
      progress.done();
    }
    if (opts.json) o.out(JSON.stringify(statusJson(await app.engine.status(runId), true), null, 2));
    else printOutcome(final, o);
    return final.status === 'completed' ? 0 : 1;
  } finally {
    process.removeListener('SIGINT', interrupt);
    await app.close();
    await telemetry.shutdown();
  }
}

/** `--input '{"q": 1}'` or `--input @file.json`; the usage is wrong when it is not JSON. */
export async function parseInputOption(value: string | undefined): Promise<unknown> {
  if (value === undefined) return undefined;
  const text = value.startsWith('@') ? await readValueFile(value.slice(1), `--input ${value}`) : value;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new BatonError('BATON_E_USAGE', `--input is not JSON: ${(e as Error).message}`);
  }
}

const nonEmpty = (v: string | undefined) => (v === '' ? undefined : v);
