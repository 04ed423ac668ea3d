// `baton modify RUN FILE`: live modification of a run through a server's RunService.ModifyRun. FILE
// (YAML or JSON) lists the changes, applied together or not at all:
//
//   reason: reviewer is overloaded
//   modifications:
//     - add_task: { id: extra, agent: writer, depends_on: [draft] }
//     - remove_task: polish
//     - replace_task: { id: edit, agent: editor }
//     - swap_agent: { task: review, agent: senior }
//     - pattern_config: { max_rounds: 3 }
//
// Task definitions may be written inline (as above) or as a string of workflow YAML.

import { z } from 'zod';
import type { RemoteModification } from '../../api/client.js';
import { BatonError } from '../../errors/registry.js';
import { formatDiagnostics } from '../../spec/index.js';
import { parseYamlAs } from '../../spec/load.js';
import { readInputFile, type Output } from '../io.js';
import { serverAddress, withRemote } from '../remote.js';
import { printStatus, remoteStatusView } from '../run-view.js';

/** A task as workflow YAML text: inline mappings are sent as JSON (which is YAML). */
const TaskText = z
  .union([z.string().min(1), z.record(z.string(), z.unknown())])
  .transform((t) => (typeof t === 'string' ? t : JSON.stringify(t)));

const Modification = z.union([
  z.strictObject({ add_task: TaskText }),
  z.strictObject({ remove_task: z.string().min(1) }),
  z.strictObject({ replace_task: TaskText }),
  z.strictObject({ swap_agent: z.strictObject({ task: z.string().min(1), agent: z.string().min(1) }) }),
  z.strictObject({ pattern_config: z.record(z.string(), z.unknown()) }),
]);

const ModificationsFile = z.strictObject({
  reason: z.string().optional(),
  modifications: z.array(Modification).min(1),
});

function toRemote(m: z.output<typeof Modification>): RemoteModification {
  if ('add_task' in m) return { addTask: m.add_task };
  if ('remove_task' in m) return { removeTask: m.remove_task };
  if ('replace_task' in m) return { replaceTask: m.replace_task };
  if ('swap_agent' in m) return { swapAgent: { taskId: m.swap_agent.task, agentId: m.swap_agent.agent } };
  return { patternConfig: m.pattern_config };
}

export async function modifyCommand(
  runId: string,
  file: string,
  opts: { json?: boolean; server?: string },
  o: Output,
): Promise<number> {
  const address = serverAddress(opts);
  if (!address)
    throw new BatonError(
      'BATON_E_USAGE',
      'baton modify talks to a server: pass --server HOST:PORT or set BATON_SERVER ' +
        '(a live modification is applied by the process that drives the run)',
    );
  const parsed = parseYamlAs(ModificationsFile, await readInputFile(file), { file });
  if (!parsed.ok) {
    o.err(formatDiagnostics(parsed.diagnostics, file, o.color));
    return 1;
  }
  const { reason, modifications } = parsed.value;
  const result = await withRemote(address, (runs) =>
    runs.modify(runId, modifications.map(toRemote), reason ?? 'modified from the command line'),
  );
  if (opts.json) {
    o.out(
      JSON.stringify(
        { run: remoteStatusView(result.run).spec, cursor: result.cursor, diagnostics: result.diagnostics },
        null,
        2,
      ),
    );
    return 0;
  }
  o.err(`run ${runId} modified (journal cursor ${result.cursor || '-'})`);
  for (const d of result.diagnostics) o.err(`  ${d.line}:${d.column}  ${d.code}  ${d.message}`);
  printStatus(remoteStatusView(result.run), false, o);
  return 0;
}
