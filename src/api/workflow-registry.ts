// The workflow registry behind WorkflowService Register/Get/List/Delete: versioned definitions in the
// store, keyed by the workflow's own `name` and `version`. A version is immutable: registering the same
// source again is a no-op, a different source under a taken name@version is refused (bump the version).
// Runs pin their version by carrying the whole spec in their journal, so a later registration or a
// delete never changes a run that has started.

import { createHash } from 'node:crypto';
import { checkWorkflowSource, type CheckOptions } from '../plan/index.js';
import { type Store, type WorkflowDefinition } from '../store/store.js';
import type { WorkflowSpec } from '../spec/schema.js';
import type {
  DeleteWorkflowRequest,
  DeleteWorkflowResponse,
  GetWorkflowRequest,
  GetWorkflowResponse,
  ListWorkflowsRequest,
  ListWorkflowsResponse,
  RegisterWorkflowRequest,
  RegisterWorkflowResponse,
  Workflow,
} from './gen/baton/v1/workflow.js';
import { ApiError } from './errors.js';
import { diagnosticsToProto } from './wire.js';
import { requireSource, workflowError } from './workflow-errors.js';
import { quote } from '../errors/quote.js';

export interface RegistryDeps {
  readonly store: Store;
  readonly namespace: string;
}

const LIST_PAGE = { default: 50, max: 500 };
/** Longest name or version the API accepts: ids travel in page tokens and log lines. */
const MAX_ID = 256;
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

const invalid = (fieldPath: string, message: string) =>
  new ApiError('BATON_E_REQUEST_INVALID', message, { fieldPath });

/** A name or version from a request: non-empty when `required`, bounded, no control characters. */
export function checkId(value: string, fieldPath: string, required: boolean): string | undefined {
  if (value === '') {
    if (required) throw invalid(fieldPath, 'is required');
    return undefined;
  }
  if (value.length > MAX_ID) throw invalid(fieldPath, `is longer than ${MAX_ID} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw invalid(fieldPath, 'contains a control character');
  if (value.trim() !== value) throw invalid(fieldPath, 'has leading or trailing whitespace');
  return value;
}

export const sourceSha256 = (source: string): string => createHash('sha256').update(source).digest('hex');

function toProto(w: WorkflowDefinition, withSource: boolean): Workflow {
  return {
    name: w.name,
    version: w.version,
    source: withSource ? w.source : '',
    sourceSha256: sourceSha256(w.source),
    description: (w.spec as Partial<WorkflowSpec>).description ?? '',
    // The store keeps no registration time yet (it would need a schema migration).
    registeredAt: undefined,
  };
}

/** Not found, naming what was asked for: a version, or any version of the name. */
export function workflowNotFound(name: string, version: string | undefined): ApiError {
  const what = version === undefined ? `workflow ${quote(name)} is` : `workflow ${name}@${version} is`;
  return new ApiError('BATON_E_WORKFLOW_NOT_FOUND', `${what} not registered`, {
    fieldPath: version === undefined ? 'workflow.name' : 'workflow.version',
  });
}

export function workflowRegistry(deps: RegistryDeps, check: CheckOptions) {
  const { store, namespace: ns } = deps;

  async function register(req: RegisterWorkflowRequest): Promise<RegisterWorkflowResponse> {
    const source = requireSource(req.source);
    const r = checkWorkflowSource(source, check);
    if (!r.ok) throw workflowError(r.diagnostics);
    const { name, version } = r.spec;
    checkId(name, 'source: workflow.name', true);
    checkId(version, 'source: workflow.version', true);
    const def: WorkflowDefinition = { name, version, source, spec: r.spec };
    const before = await store.getWorkflow(ns, name, version);
    if (before && before.source !== source) throw conflict(name, version);
    if (!before) await store.putWorkflow(ns, def);
    return {
      workflow: toProto(def, true),
      created: !before,
      diagnostics: diagnosticsToProto(r.warnings),
    };
  }

  async function get(req: GetWorkflowRequest): Promise<GetWorkflowResponse> {
    const name = checkId(req.workflow?.name ?? '', 'workflow.name', true)!;
    const version = checkId(req.workflow?.version ?? '', 'workflow.version', false);
    const w = await store.getWorkflow(ns, name, version);
    if (!w) throw workflowNotFound(name, version);
    return { workflow: toProto(w, true) };
  }

  async function list(req: ListWorkflowsRequest): Promise<ListWorkflowsResponse> {
    const name = checkId(req.name, 'name', false);
    const size = req.pageSize === 0 ? LIST_PAGE.default : Math.min(req.pageSize, LIST_PAGE.max);
    const offset = req.pageToken === '' ? 0 : decodeToken(req.pageToken, name ?? '');
    const refs = newestFirstWithinName(await store.listWorkflows(ns)).filter(
      (w) => name === undefined || w.name === name,
    );
    const page = refs.slice(offset, offset + size);
    const defs = await Promise.all(page.map((w) => store.getWorkflow(ns, w.name, w.version)));
    return {
      // A version deleted between the two reads is left out rather than reported half.
      workflows: defs.flatMap((d) => (d ? [toProto(d, false)] : [])),
      nextPageToken: offset + size < refs.length ? encodeToken(offset + size, name ?? '') : '',
    };
  }

  async function remove(req: DeleteWorkflowRequest): Promise<DeleteWorkflowResponse> {
    const name = checkId(req.workflow?.name ?? '', 'workflow.name', true)!;
    const version = checkId(req.workflow?.version ?? '', 'workflow.version', false);
    const active = await activeRuns(store, ns, name, version);
    if (active.length > 0) {
      const shown = active.slice(0, 3).join(', ') + (active.length > 3 ? `, ... (${active.length})` : '');
      throw new ApiError(
        'BATON_E_WORKFLOW_IN_USE',
        `${version === undefined ? `workflow ${quote(name)}` : `workflow ${name}@${version}`} has runs that ` +
          `have not ended (${shown}); cancel them or wait for them to end`,
        { fieldPath: 'workflow' },
      );
    }
    const deleted = await store.deleteWorkflow(ns, name, version);
    if (deleted === 0) throw workflowNotFound(name, version);
    return { deleted };
  }

  return { register, get, list, remove };
}

function conflict(name: string, version: string): ApiError {
  return new ApiError(
    'BATON_E_WORKFLOW_CONFLICT',
    `workflow ${name}@${version} is already registered with a different source; ` +
      'bump workflow.version to register the change',
    { fieldPath: 'source: workflow.version' },
  );
}

/** The store lists oldest version first; the API lists names in order, newest version first. */
function newestFirstWithinName<T extends { name: string }>(refs: readonly T[]): T[] {
  const out: T[] = [];
  let i = 0;
  while (i < refs.length) {
    let j = i;
    while (j < refs.length && refs[j]!.name === refs[i]!.name) j++;
    out.push(...refs.slice(i, j).reverse());
    i = j;
  }
  return out;
}

/** Ids of the runs of name (at version) that have not ended, i.e. that may still read their spec. */
async function activeRuns(store: Store, ns: string, name: string, version?: string): Promise<string[]> {
  const active: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listRuns(ns, { workflowName: name, limit: 500, ...(cursor && { cursor }) });
    for (const r of page.runs) {
      if (!TERMINAL.has(r.status) && (version === undefined || r.workflowVersion === version))
        active.push(r.runId);
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return active;
}

// Page tokens carry the offset and the name filter they were issued for. An offset (not a key) because
// the store orders versions by registration; a delete between pages may shift a page by one.
const encodeToken = (offset: number, name: string): string =>
  Buffer.from(JSON.stringify({ o: offset, n: name })).toString('base64url');

function decodeToken(token: string, name: string): number {
  let parsed: { o?: unknown; n?: unknown } | undefined;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  if (typeof parsed?.o !== 'number' || !Number.isSafeInteger(parsed.o) || parsed.o < 0)
    throw invalid('page_token', 'is not a token this server issued');
  if (parsed.n !== name)
    throw invalid('page_token', 'was issued for another name filter: keep `name` the same between pages');
  return parsed.o;
}
