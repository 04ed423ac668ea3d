// HookService over gRPC: the namespace's global hooks (GlobalHookAdmin over the store's workflow_hooks),
// a trial run of one hook (TestHook, with the server's runners), and the execution log.

import { GlobalHookAdmin } from '../hooks/global-hooks.js';
import { hookConfig, type HookConfig, type HookKind, type HookRunner } from '../hooks/hook-model.js';
import { parseGlobalHook } from '../hooks/global-hooks.js';
import { tryHook } from '../hooks/hook-test.js';
import type { Store } from '../store/store.js';
import { ApiError, unary } from './errors.js';
import type {
  CreateHookRequest,
  HookServiceServer,
  ListHookExecutionsRequest,
  TestHookRequest,
  UpdateHookRequest,
} from './gen/baton/v1/hook.js';
import { executionToProto, hookInput, storedToProto } from './hook-wire.js';

export interface HookServiceDeps {
  readonly store: Store;
  readonly namespace: string;
  /** The runners TestHook uses, by kind; without them TestHook is refused. */
  readonly runners?: ReadonlyMap<HookKind, HookRunner>;
}

const PAGE = { default: 100, max: 1000 };

function nameOf(req: { name: string }, field = 'name'): string {
  if (req.name === '')
    throw new ApiError('BATON_E_REQUEST_INVALID', 'is required: the name of a global hook', {
      fieldPath: field,
    });
  return req.name;
}

export function hookService({ store, namespace: ns, runners }: HookServiceDeps): HookServiceServer {
  const admin = new GlobalHookAdmin(store);

  async function test(req: TestHookRequest) {
    if (runners === undefined)
      throw new ApiError('BATON_E_SERVER_UNIMPLEMENTED', 'this server runs no hooks', { fieldPath: 'name' });
    let hook: HookConfig;
    if (req.name !== '') hook = (await admin.get(ns, req.name)).config;
    else if (req.hook !== undefined) hook = hookConfig(parseGlobalHook(hookInput(req.hook)), 'global');
    else
      throw new ApiError('BATON_E_REQUEST_INVALID', 'is required: a stored hook by name, or a hook to try', {
        fieldPath: 'name',
      });
    const r = await tryHook(runners, hook, {
      namespace: ns,
      context: req.context ?? {},
      ...(req.task !== '' && { task: req.task }),
      ...(req.agent !== '' && { agent: req.agent }),
      ...(req.tool !== '' && { tool: req.tool }),
    });
    return {
      verdict: r.verdict,
      message: r.message ?? '',
      context: r.context === undefined ? undefined : { ...r.context },
      patch: r.patch,
      error: r.error ?? '',
      durationMs: r.durationMs,
    };
  }

  async function executions(req: ListHookExecutionsRequest) {
    const page = await store.listHookExecutions(ns, {
      ...(req.runId !== '' && { runId: req.runId }),
      ...(req.hook !== '' && { hook: req.hook }),
      limit: req.pageSize === 0 ? PAGE.default : Math.min(req.pageSize, PAGE.max),
      ...(req.pageToken !== '' && { cursor: req.pageToken }),
    });
    return { executions: page.executions.map(executionToProto), nextPageToken: page.nextCursor ?? '' };
  }

  return {
    createHook: unary(async (req: CreateHookRequest) => ({
      hook: storedToProto(await admin.create(ns, hookInput(req.hook))),
    })),
    listHooks: unary(async (req: { trigger: string }) => ({
      hooks: (await admin.list(ns, req.trigger === '' ? undefined : req.trigger)).map(storedToProto),
    })),
    getHook: unary(async (req: { name: string }) => ({
      hook: storedToProto(await admin.get(ns, nameOf(req))),
    })),
    updateHook: unary(async (req: UpdateHookRequest) => {
      const name = nameOf({ name: req.hook?.name ?? '' }, 'hook.name');
      return { hook: storedToProto(await admin.update(ns, name, hookInput(req.hook))) };
    }),
    deleteHook: unary(async (req: { name: string }) => {
      await admin.delete(ns, nameOf(req));
      return {};
    }),
    testHook: unary(test),
    listHookExecutions: unary(executions),
  };
}
