// `baton plan FILE`: validate, then print the execution plan (levels, critical path, agent allocation).
// Human output summarises large plans; --json prints all of it in a stable snake_case shape.

import type { ExecutionPlan } from '../../plan/index.js';
import {
  diagnosticToJson,
  formatCpu,
  formatDiagnostics,
  formatMemory,
  type WorkflowSpec,
} from '../../spec/index.js';
import { paint, type Output } from '../io.js';
import { checkFile, loadCheckInputs } from './context.js';

const SHOW_LEVELS = 12;
const SHOW_IDS = 8;

export async function planCommand(
  file: string,
  opts: { json?: boolean; registry?: string; constraints?: string },
  o: Output,
): Promise<number> {
  const inputs = await loadCheckInputs(opts, o);
  if (!inputs) return 1;
  const r = await checkFile(file, inputs);
  if (!r.ok) {
    if (opts.json) {
      o.out(
        JSON.stringify({ file, valid: false, diagnostics: r.diagnostics.map(diagnosticToJson) }, null, 2),
      );
    } else {
      o.err(formatDiagnostics(r.diagnostics, file, o.color));
      o.err(`${paint(o, 'red', '✗')} ${file}: cannot plan, ${r.diagnostics.length} problem(s)`);
    }
    return 1;
  }
  if (r.warnings.length > 0 && !opts.json) o.err(formatDiagnostics(r.warnings, file, o.color));
  if (opts.json)
    o.out(JSON.stringify(planJson(file, r.spec, r.plan, r.warnings.map(diagnosticToJson)), null, 2));
  else for (const line of planLines(r.spec, r.plan, o)) o.out(line);
  return 0;
}

/** The plan as JSON: the machine-readable contract of `baton plan --json`. */
export function planJson(file: string, spec: WorkflowSpec, plan: ExecutionPlan, warnings: unknown[]) {
  const { allocation: a } = plan;
  return {
    file,
    valid: true,
    workflow: { name: spec.name, version: spec.version, orchestration_pattern: spec.orchestration_pattern },
    tasks: plan.taskCount,
    levels: plan.levels,
    max_width: plan.maxWidth,
    critical_path: plan.criticalPath,
    allocation: {
      limits: a.limits,
      peak: a.peak,
      agents: a.agents.map((g) => ({
        id: g.id,
        instances: g.instances,
        max_instances: g.maxInstances,
        peak_concurrency: g.peakConcurrency,
        cpu_millicores: g.cpu,
        memory_bytes: g.memory,
      })),
      throttled: a.throttled.map((t) => ({
        level: t.level,
        demand: t.demand,
        allotted: t.allotted,
        by: t.by.map((b) => ('agent' in b ? `${b.constraint}:${b.agent}` : b.constraint)),
      })),
    },
    warnings,
  };
}

function planLines(spec: WorkflowSpec, plan: ExecutionPlan, o: Output): string[] {
  const bold = (s: string) => paint(o, 'bold', s);
  const fanOut = new Set(
    spec.tasks.filter((t) => t.parallel !== undefined && t.parallel !== false).map((t) => t.id),
  );
  const id = (t: string) => (fanOut.has(t) ? `${t}[*]` : t);
  const lines = [
    `${bold(`${spec.name}@${spec.version}`)}  ${plan.taskCount} tasks, ${plan.levels.length} levels, ` +
      `widest level ${plan.maxWidth}, pattern ${spec.orchestration_pattern}`,
    '',
    bold('Levels') + '  (tasks on a level can run at once; [*] fans out at run time)',
  ];
  const shown = plan.levels.length > SHOW_LEVELS ? plan.levels.slice(0, SHOW_LEVELS - 2) : plan.levels;
  shown.forEach((level, i) => lines.push(`  ${String(i).padStart(4)}  ${idList(level.map(id))}`));
  if (shown.length < plan.levels.length) {
    lines.push(`  ${'…'.padStart(4)}  ${plan.levels.length - shown.length - 1} more levels`);
    const last = plan.levels.length - 1;
    lines.push(`  ${String(last).padStart(4)}  ${idList(plan.levels[last]!.map(id))}`);
  }
  lines.push('', `${bold('Critical path')}  (${plan.criticalPath.length} tasks)`);
  lines.push(`  ${idList(plan.criticalPath.map(id), ' -> ', 12)}`);

  const a = plan.allocation;
  lines.push('', bold('Agents') + '  (instances at once: allotted / peak demand / max_instances)');
  const width = Math.max(5, ...a.agents.map((g) => g.id.length));
  for (const g of a.agents) {
    lines.push(
      `  ${g.id.padEnd(width)}  ${String(g.instances).padStart(3)} / ${String(g.peakConcurrency).padStart(3)} / ` +
        `${String(g.maxInstances).padStart(3)}   ${formatCpu(g.cpu)}, ${formatMemory(g.memory)} each`,
    );
  }
  const lim = a.limits;
  const limits = [
    lim.max_agents === null ? null : `max_agents ${lim.max_agents}`,
    lim.max_cpu === null ? null : `max_cpu ${formatCpu(lim.max_cpu)}`,
    lim.max_memory === null ? null : `max_memory ${formatMemory(lim.max_memory)}`,
  ].filter((x) => x !== null);
  lines.push(
    `  peak: ${a.peak.agents} agent${a.peak.agents === 1 ? '' : 's'}, ${formatCpu(a.peak.cpu)}, ${formatMemory(a.peak.memory)}` +
      (limits.length > 0 ? `   (limits: ${limits.join(', ')})` : '   (no resource_constraints)'),
  );
  for (const t of a.throttled.slice(0, SHOW_LEVELS)) {
    const by = t.by.map((b) => ('agent' in b ? `${b.constraint} of ${b.agent}` : b.constraint)).join(', ');
    lines.push(
      `  ${paint(o, 'yellow', 'throttled')} level ${t.level}: ${t.demand.agents} agents could run at once, ` +
        `${t.allotted.agents} will (${by})`,
    );
  }
  if (a.throttled.length > SHOW_LEVELS)
    lines.push(`  … ${a.throttled.length - SHOW_LEVELS} more throttled levels`);
  return lines;
}

function idList(ids: readonly string[], sep = ', ', max = SHOW_IDS): string {
  if (ids.length <= max) return ids.join(sep);
  return `${ids.slice(0, max - 1).join(sep)}${sep}… ${ids.length - max + 1} more`;
}
