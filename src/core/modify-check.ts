// Live modification, the whole check: the changes' own rules (modify.ts), then the full workflow checker
// (plan/validate: references, cycles, CEL, capabilities, quotas) and the pattern's config parser over the
// changed workflow. A problem the checker finds is pinned on the first change after which it appears.

import { buildGraph } from '../plan/graph.js';
import { validateAndPlan, type ValidateOptions } from '../plan/validate.js';
import { NO_SOURCE, type Diagnostic } from '../spec/diagnostic.js';
import type { WorkflowSpec } from '../spec/schema.js';
import type { Modification, PatternBinding } from './entries.js';
import { editWorkflow, targetOf, type ModifyProblem } from './modify.js';
import { hostPattern, hosted } from './patterns/registry.js';
import { contextOf, type RunState } from './state.js';

export type { ModifyProblem } from './modify.js';

export type ModifyCheck =
  | { readonly ok: true; readonly workflow: WorkflowSpec; readonly warnings: readonly Diagnostic[] }
  | { readonly ok: false; readonly problems: readonly ModifyProblem[] };

/** A workflow problem as the checker or the pattern reports it; keyed by code and message (paths shift). */
interface Finding {
  readonly code: Diagnostic['code'];
  readonly message: string;
  readonly key: string;
}

/**
 * Checks `changes` against the run as it is now. Pure: the same state and changes give the same answer,
 * so the runtime may call it again right before journaling. Never throws for bad changes.
 */
export function checkModification(
  state: RunState,
  changes: readonly Modification[],
  opts: ValidateOptions = {},
): ModifyCheck {
  const { spec: base, binding } = contextOf(state);
  const edited = editWorkflow(state, base, changes);
  const problems = [...edited.problems];
  if (binding !== undefined) {
    // A plugin's setup is the answer pattern_init gave when the run started; a new config would need
    // the plugin asked again, which a pure check cannot do.
    changes.forEach((m, index) => {
      if (m.op === 'pattern_config')
        problems.push({
          index,
          op: m.op,
          target: base.orchestration_pattern,
          code: 'BATON_E_MODIFY_CONFLICT',
          message: `pattern_config of plugin pattern "${base.orchestration_pattern}" cannot change while the run is live`,
          kind: 'state',
        });
    });
  }
  const checked = findings(edited.workflow, opts, binding);
  if (checked.errors.length > 0) {
    // Which change brought each problem in: the first prefix of the changes that shows it.
    const seen = edited.prefixes.map((w, k) =>
      k === edited.prefixes.length - 1 ? checked : findings(w, opts, binding),
    );
    for (const f of checked.errors) {
      const first = seen.findIndex((p) => p.errors.some((g) => g.key === f.key));
      // Already true of the run's own workflow (a checker stricter than when it started): the last change.
      const k = first <= 0 ? changes.length - 1 : first - 1;
      const m = changes[k];
      const target = m === undefined ? '' : targetOf(m, base);
      if (!problems.some((p) => p.index === k && p.message === f.message)) {
        problems.push({
          index: k,
          op: m?.op ?? '',
          target,
          code: f.code,
          message: f.message,
          kind: 'workflow',
        });
      }
    }
  }
  if (problems.length > 0) return { ok: false, problems: problems.sort((a, b) => a.index - b.index) };
  return { ok: true, workflow: edited.workflow, warnings: checked.warnings };
}

function findings(
  w: WorkflowSpec,
  opts: ValidateOptions,
  binding: PatternBinding | undefined,
): { errors: Finding[]; warnings: Diagnostic[] } {
  const { diagnostics } = validateAndPlan(w, NO_SOURCE, opts);
  const finding = (code: Diagnostic['code'], message: string): Finding => ({
    code,
    message,
    key: `${code}\u0000${message}`,
  });
  const errors = diagnostics.filter((d) => d.severity === 'error').map((d) => finding(d.code, d.message));
  // The pattern's own parser has the last word on pattern_config (and on the tasks it names).
  if (errors.length === 0) {
    const pattern = hostPattern(w, buildGraph(w), binding);
    if (hosted(pattern) === null) {
      const e = pattern as { code: Diagnostic['code']; message: string };
      errors.push(finding(e.code, e.message));
    }
  }
  return { errors, warnings: diagnostics.filter((d) => d.severity === 'warning') };
}
