// `baton run FILE --server HOST:PORT`: the workflow is checked here (positioned diagnostics, as a local
// run), started on the server (StartRun, its relative paths made absolute: cli/remote-source.ts), and
// followed there (WatchRun) with the progress lines and the report a local run prints. Ctrl-C leaves the
// run going on the server; `baton watch RUN --server` picks it up again.

import { dirname, resolve } from 'node:path';
import { BatonError } from '../../errors/registry.js';
import { formatDiagnostics } from '../../spec/index.js';
import type { ResourceConstraintsSpec } from '../../spec/schema.js';
import { readInputFile, type Output } from '../io.js';
import { withRemote } from '../remote.js';
import { withAbsolutePaths } from '../remote-source.js';
import { printOutcome } from '../report.js';
import { remoteStatusView, statusJsonOf } from '../run-view.js';
import { describeEntry } from '../timeline.js';
import { checkFile, loadCheckInputs } from './context.js';
import { parseInputOption, type RunOpts } from './run.js';

/** Constraints as StartRun takes them: the workflow language's quantity strings. */
function wireConstraints(c: ResourceConstraintsSpec) {
  return {
    ...(c.max_agents !== undefined && { maxAgents: c.max_agents }),
    ...(c.max_cpu !== undefined && { maxCpu: `${c.max_cpu}m` }),
    ...(c.max_memory !== undefined && { maxMemory: String(c.max_memory) }),
  };
}

export async function remoteRunCommand(
  file: string,
  opts: Omit<RunOpts, 'dataDir'>,
  address: string,
  o: Output,
): Promise<number> {
  const inputs = await loadCheckInputs(opts, o);
  if (!inputs) return 1;
  const checked = await checkFile(file, inputs);
  if (!checked.ok) {
    o.err(formatDiagnostics(checked.diagnostics, file, o.color));
    return 1;
  }
  const input = await parseInputOption(opts.input);
  if (input !== undefined && (typeof input !== 'object' || input === null || Array.isArray(input)))
    throw new BatonError('BATON_E_USAGE', '--input for a run on a server must be a JSON object');
  const text = new TextDecoder().decode(await readInputFile(file));
  const source = withAbsolutePaths(text, dirname(resolve(file)));
  return withRemote(address, async (runs) => {
    const run = await runs.start({
      source,
      ...(input !== undefined && { input }),
      ...(inputs.constraints && { constraints: wireConstraints(inputs.constraints) }),
    });
    o.err(`run ${run.runId} (server ${address})`);
    const interrupt = () => {
      o.err(
        `interrupted: the run goes on on the server; follow it with: baton watch ${run.runId} --server ${address}`,
      );
      process.exit(130);
    };
    process.once('SIGINT', interrupt);
    try {
      let startedAt: number | undefined;
      for await (const e of runs.watch(run.runId)) {
        startedAt ??= e.at;
        const { text: line, notable } = describeEntry(e);
        if (notable) o.err(`[${((e.at - startedAt) / 1000).toFixed(2).padStart(7)}s] ${line}`);
      }
    } finally {
      process.removeListener('SIGINT', interrupt);
    }
    const final = await runs.get(run.runId);
    if (opts.json) {
      // As a local `baton run --json`: the status, and the run's output under baton.output.
      const json = statusJsonOf(remoteStatusView(final));
      o.out(JSON.stringify({ ...json, baton: { ...json.baton, output: final.outputs ?? null } }, null, 2));
    } else
      printOutcome(
        {
          runId: final.runId,
          status: final.status,
          error: final.failure ?? null,
          output: final.outputs ?? null,
        },
        o,
      );
    return final.status === 'completed' ? 0 : 1;
  });
}
