// The workflows the A2A edge serves: every workflow of the registry (the store, namespace of the engine),
// at its latest version, checked as RunService checks a registered workflow before it starts it. The
// check of a source is kept until the latest source changes; which version is the latest is read again
// after FRESH_MS (a request reads it several times: routing, the SDK's version check, the start).

import { checkWorkflowSource, type CheckOptions } from '../plan/index.js';
import type { WorkflowSpec } from '../spec/schema.js';
import type { Store } from '../store/store.js';
import { ServedError } from './a2a-errors.js';

export interface CatalogDeps {
  readonly store: Store;
  readonly namespace: string;
  /** Agent registry and constraints a workflow is checked against, as in `baton validate`. */
  readonly check?: CheckOptions;
}

/** How long a found latest version is used before the registry is read again. */
const FRESH_MS = 1000;

export class ServedWorkflows {
  private readonly checked = new Map<string, { source: string; spec: WorkflowSpec; readAt: number }>();

  constructor(private readonly deps: CatalogDeps) {}

  /** The latest registered version of `name`, checked; undefined when no version is registered. */
  async latest(name: string): Promise<WorkflowSpec | undefined> {
    const fresh = this.checked.get(name);
    if (fresh !== undefined && performance.now() - fresh.readAt < FRESH_MS) return fresh.spec;
    const def = await this.deps.store.getWorkflow(this.deps.namespace, name);
    if (def === undefined) {
      this.checked.delete(name);
      return undefined;
    }
    const known = this.checked.get(name);
    if (known?.source === def.source) {
      this.checked.set(name, { ...known, readAt: performance.now() });
      return known.spec;
    }
    const r = checkWorkflowSource(def.source, this.deps.check ?? {});
    if (!r.ok) {
      const [first] = r.diagnostics;
      throw new ServedError(
        `workflow ${name}@${def.version} no longer passes its check on this server` +
          (first ? `: ${first.code}: ${first.message}` : ''),
      );
    }
    this.checked.set(name, { source: def.source, spec: r.spec, readAt: performance.now() });
    return r.spec;
  }

  /** Every registered workflow's name, in order. */
  async names(): Promise<string[]> {
    const refs = await this.deps.store.listWorkflows(this.deps.namespace);
    return [...new Set(refs.map((r) => r.name))];
  }
}
