// Sub-workflows and nested blocks, prepared when a run starts: each `workflow:` task's file (or stored
// name@version) is read, validated and resolved, and each `block:` becomes a small workflow of its own
// pattern over its agents. The result travels in RunStarted, so a resumed run runs the same children
// even if the files changed since.

import { dirname, isAbsolute, resolve } from 'node:path';
import { readFile, stat } from 'node:fs/promises';
import type { ChildWorkflow } from '../core/index.js';
import { patternFor } from '../core/index.js';
import { BatonError } from '../errors/registry.js';
import { BUILTIN_PLUGIN_PATTERNS, checkWorkflowSource } from '../plan/index.js';
import { formatDiagnostics } from '../spec/index.js';
import type { AgentSpec, TaskSpec, WorkflowSpec } from '../spec/schema.js';
import type { Store } from '../store/store.js';

export interface ChildSource {
  readonly store: Store;
  readonly namespace: string;
  /** Whether a pattern reference names an installed pattern plugin (checked by its pattern_init later). */
  readonly hasPlugin?: (ref: string) => Promise<boolean>;
  /** Asks a child's plugin pattern_init now, so a refusal rejects the parent's start (throws its error). */
  readonly checkPlugin?: (spec: WorkflowSpec) => Promise<void>;
}

/** The workflow with module endpoints made absolute and every child prepared, recursively. */
export async function prepareWorkflow(
  spec: WorkflowSpec,
  baseDir: string,
  source: ChildSource,
  seen: readonly string[] = [],
): Promise<ChildWorkflow> {
  await checkModules(spec, baseDir);
  const workflow = resolveEndpoints(spec, baseDir);
  const children: Record<string, ChildWorkflow> = {};
  for (const task of workflow.tasks) {
    if (task.workflow !== undefined) {
      const loaded = await loadSubworkflow(task, baseDir, source, seen);
      children[task.id] = await prepareWorkflow(loaded.spec, loaded.baseDir, source, [...seen, loaded.id]);
    } else if (task.block !== undefined) {
      const block = blockWorkflow(workflow, task);
      await checkPattern(block, [...seen, task.id], source);
      children[task.id] = { workflow: block, children: {} };
    }
  }
  await checkPattern(workflow, seen, source);
  return { workflow, children };
}

async function loadSubworkflow(
  task: TaskSpec,
  baseDir: string,
  source: ChildSource,
  seen: readonly string[],
): Promise<{ spec: WorkflowSpec; baseDir: string; id: string }> {
  const ref = task.workflow!;
  const where = `sub-workflow "${ref}" of task "${task.id}"`;
  const stored = /^([A-Za-z0-9_.-]+)@([A-Za-z0-9_.-]+)$/.exec(ref);
  if (stored && !/\.ya?ml$/.test(ref)) {
    const def = await source.store.getWorkflow(source.namespace, stored[1]!, stored[2]);
    if (!def) throw new BatonError('BATON_E_UNKNOWN_WORKFLOW', `${where}: no workflow ${ref} is registered`);
    guardCycle(ref, seen, where);
    return { spec: def.spec as WorkflowSpec, baseDir, id: ref };
  }
  const file = isAbsolute(ref) ? ref : resolve(baseDir, ref);
  guardCycle(file, seen, where);
  let text: Buffer;
  try {
    text = await readFile(file);
  } catch (e) {
    throw new BatonError(
      'BATON_E_FILE_READ',
      `${where}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
  const checked = checkWorkflowSource(text, { file });
  if (!checked.ok) {
    throw new BatonError(
      'BATON_E_INVALID_SUBWORKFLOW',
      `${where} is not valid:\n${formatDiagnostics(checked.diagnostics, file)}`,
    );
  }
  return { spec: checked.spec, baseDir: dirname(file), id: file };
}

function guardCycle(id: string, seen: readonly string[], where: string): void {
  if (seen.includes(id)) {
    throw new BatonError('BATON_E_CYCLE', `${where} includes itself: ${[...seen, id].join(' -> ')}`);
  }
}

/**
 * A block as a workflow: its pattern over one task per agent (in the block's order), so the patterns
 * that coordinate agents (handoff, supervisor, sequential, concurrent) run it unchanged; max_rounds
 * bounds it the way each pattern counts rounds.
 */
function blockWorkflow(parent: WorkflowSpec, task: TaskSpec): WorkflowSpec {
  const block = task.block!;
  if (block.until !== undefined) {
    throw new BatonError(
      'BATON_E_UNSUPPORTED_FEATURE',
      `block "${task.id}": \`until\` needs an event-driven pattern (network, group_chat), which this engine does not have yet`,
    );
  }
  const agents: Record<string, AgentSpec> = {};
  for (const id of block.agents) agents[id] = parent.agents[id]!;
  const bound =
    block.max_rounds === undefined
      ? {}
      : block.pattern === 'handoff'
        ? { max_handoffs: block.max_rounds }
        : { max_rounds: block.max_rounds };
  return {
    name: `${parent.name}.${task.id}`,
    version: parent.version,
    orchestration_pattern: block.pattern,
    pattern_config: { ...block.config, ...bound },
    agents,
    tasks: block.agents.map((id) => ({ id, agent: id, depends_on: [] })),
    ...(task.description ? { description: task.description } : {}),
    ...(task.timeout === undefined ? {} : { timeout: task.timeout }),
  };
}

/**
 * The workflow's pattern must exist and accept its config; a block's pattern is checked the same way.
 * A plugin's config is its own pattern_init's to check, when the run is bound to it.
 */
async function checkPattern(spec: WorkflowSpec, seen: readonly string[], source: ChildSource): Promise<void> {
  const pattern = patternFor(spec.orchestration_pattern);
  const within = seen.length > 0 ? ` (in ${spec.name})` : '';
  if (!pattern && (await source.hasPlugin?.(spec.orchestration_pattern)) === true) {
    // The top-level workflow is bound when its run starts; a child (block, sub-workflow) is checked here.
    if (seen.length > 0) await source.checkPlugin?.(spec);
    return;
  }
  if (!pattern && (BUILTIN_PLUGIN_PATTERNS as readonly string[]).includes(spec.orchestration_pattern)) {
    // A built-in whose plugin is missing from dist/plugins: the package was built without its plugins.
    throw new BatonError(
      'BATON_E_PATTERN_NOT_BUILT',
      `orchestration pattern "${spec.orchestration_pattern}"${within} is built in, but its plugin is not ` +
        'built (dist/plugins has no such pattern): run `npm run build:plugins`',
    );
  }
  if (!pattern) {
    throw new BatonError(
      'BATON_E_PATTERN_UNKNOWN',
      `orchestration pattern "${spec.orchestration_pattern}"${within} is not available in this engine yet`,
    );
  }
  pattern.init(spec, spec.pattern_config ?? {}); // throws BATON_E_PATTERN_CONFIG naming the bad setting
}

/**
 * Every module endpoint names a file that exists, so a run is refused at its start (naming the agent and
 * the path it looked at) rather than failing its first attempt after retries. A module that exists but
 * fails to load still fails its attempts (BATON_E_AGENT_UNAVAILABLE, retryable).
 */
async function checkModules(spec: WorkflowSpec, baseDir: string): Promise<void> {
  for (const [id, a] of Object.entries(spec.agents)) {
    const ep = a.endpoint;
    if (!ep || !('module' in ep)) continue;
    const path = resolve(baseDir, ep.module);
    const found = await stat(path).then(
      (s) => s.isFile(),
      () => false,
    );
    if (found) continue;
    const base = isAbsolute(ep.module)
      ? ''
      : ` (a relative module path resolves against ${baseDir}: the workflow file's folder, or for a workflow sent to \`baton serve\`, its --agents-dir)`;
    throw new BatonError(
      'BATON_E_AGENT_MODULE_NOT_FOUND',
      `agent "${id}" of workflow ${spec.name}: module "${ep.module}" resolves to ${path}, which is not a file${base}`,
    );
  }
}

/**
 * Module endpoints become absolute, so a resumed run (maybe from another directory) finds them. A
 * workflow with none to resolve is returned as it is (runs of it then share what is derived from it).
 */
function resolveEndpoints(spec: WorkflowSpec, baseDir: string): WorkflowSpec {
  let agents: Record<string, AgentSpec> | undefined;
  for (const [id, a] of Object.entries(spec.agents)) {
    const ep = a.endpoint;
    if (ep && 'module' in ep && !isAbsolute(ep.module)) {
      agents ??= { ...spec.agents };
      agents[id] = { ...a, endpoint: { ...ep, module: resolve(baseDir, ep.module) } };
    }
  }
  return agents === undefined ? spec : { ...spec, agents };
}
