// `baton validate FILE...`: every problem in every file in one pass; exit 0 valid, 1 invalid. With
// --resolve-agents the cards of remote A2A agents are fetched and each task's `requires` checked against
// them (a card that cannot be fetched is a warning: the workflow may still be right).

import { AgentCardCache, resolveAgentCards } from '../../agents/a2a/index.js';
import { diagnosticToJson, formatDiagnostics } from '../../spec/index.js';
import type { CheckResult } from '../../plan/index.js';
import { paint, type Output } from '../io.js';
import { checkFile, loadCheckInputs, type CheckInputs } from './context.js';

export async function validateCommand(
  files: string[],
  opts: { json?: boolean; registry?: string; constraints?: string; resolveAgents?: boolean },
  o: Output,
): Promise<number> {
  const inputs = await loadCheckInputs(opts, o);
  if (!inputs) return 1;
  const cards = opts.resolveAgents ? new AgentCardCache() : undefined;
  const results = [];
  let allValid = true;
  for (const file of files) {
    const r = await check(file, inputs, cards);
    allValid &&= r.ok;
    if (opts.json) {
      results.push({
        file,
        valid: r.ok,
        tasks: r.ok ? r.spec.tasks.length : undefined,
        diagnostics: r.diagnostics.map(diagnosticToJson),
        warnings: r.warnings.map(diagnosticToJson),
      });
      continue;
    }
    if (r.warnings.length > 0) o.err(formatDiagnostics(r.warnings, file, o.color));
    if (r.ok) {
      o.out(
        `${paint(o, 'green', '✓')} ${file}: valid (${r.spec.name}@${r.spec.version}, ${r.spec.tasks.length} tasks)`,
      );
    } else {
      o.err(formatDiagnostics(r.diagnostics, file, o.color));
      const n = r.diagnostics.length;
      o.err(`${paint(o, 'red', '✗')} ${file}: ${n} problem${n === 1 ? '' : 's'}`);
    }
  }
  if (opts.json) o.out(JSON.stringify(files.length === 1 ? results[0] : results, null, 2));
  return allValid ? 0 : 1;
}

/** Checks one file; with a card cache, checks it again against the cards of its remote agents. */
async function check(
  file: string,
  inputs: CheckInputs,
  cards: AgentCardCache | undefined,
): Promise<CheckResult> {
  const r = await checkFile(file, inputs);
  const spec = r.spec;
  if (cards === undefined || spec === undefined) return r;
  const agentCards = await resolveAgentCards(spec, cards);
  return agentCards.size === 0 ? r : checkFile(file, { ...inputs, agentCards });
}
