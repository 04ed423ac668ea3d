// The CLI's client of a Baton server's HookService (`baton hook ... --server`), in plain values: hooks
// and executions come back as the same views the CLI prints for the data directory, failed calls as
// BatonErrors with the server's code.

import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { BatonError } from '../errors/registry.js';
import type { HookTrial } from '../hooks/hook-test.js';
import type { ExecutionView, HookView } from '../hooks/hook-views.js';
import { ANSWERS_OF_ANY_SIZE, callError, notGrpc } from './client.js';
import {
  CreateHookRequest,
  HookServiceClient,
  TestHookRequest,
  type Hook,
  type HookExecution,
  type TestHookResponse,
} from './gen/baton/v1/hook.js';

const CALL_DEADLINE_MS = 30_000;

function view(h: Hook): HookView {
  const m = h.matcher;
  const matcher = m && {
    ...(m.agent !== '' && { agent: m.agent }),
    ...(m.task !== '' && { task: m.task }),
    ...(m.tool !== '' && { tool: m.tool }),
  };
  return {
    name: h.name,
    trigger: h.trigger,
    command: h.command,
    args: h.args,
    kind: h.kind,
    mode: h.mode,
    fail: h.fail,
    priority: h.priority ?? 100,
    timeout_ms: h.timeoutMs ?? 30_000,
    enabled: h.enabled ?? true,
    always_run: h.alwaysRun,
    ...(matcher && Object.keys(matcher).length > 0 && { matcher }),
    id: h.hookId,
    created_at: h.createdAt?.toISOString() ?? '',
    updated_at: h.updatedAt?.toISOString() ?? '',
  };
}

function executionView(e: HookExecution): ExecutionView {
  return {
    at: e.at?.toISOString() ?? '',
    run_id: e.runId,
    hook: e.hook,
    trigger: e.trigger,
    mode: e.mode,
    verdict: e.verdict,
    ...(e.message !== '' && { message: e.message }),
    ...(e.error !== '' && { error: e.error }),
    duration_ms: e.durationMs,
    input_digest: e.inputDigest,
    ...(e.output !== undefined && e.output !== null && { output: e.output as unknown }),
  };
}

/** A hook as `baton hook add` gives it (snake_case keys, as in a workflow's `hooks:`). */
export interface HookDefinition {
  readonly name: string;
  readonly trigger: string;
  readonly command: string;
  readonly args?: readonly string[];
  readonly always_run?: boolean;
  readonly timeout_ms?: number;
  readonly enabled?: boolean;
  readonly priority?: number;
  readonly kind?: string;
  readonly mode?: string;
  readonly fail?: string;
  readonly matcher?: { readonly agent?: string; readonly task?: string; readonly tool?: string };
}

const toProto = (d: HookDefinition): Partial<Hook> => ({
  name: d.name,
  trigger: d.trigger,
  command: d.command,
  args: [...(d.args ?? [])],
  alwaysRun: d.always_run ?? false,
  ...(d.timeout_ms !== undefined && { timeoutMs: d.timeout_ms }),
  ...(d.enabled !== undefined && { enabled: d.enabled }),
  ...(d.priority !== undefined && { priority: d.priority }),
  kind: d.kind ?? '',
  mode: d.mode ?? '',
  fail: d.fail ?? '',
  matcher: { agent: d.matcher?.agent ?? '', task: d.matcher?.task ?? '', tool: d.matcher?.tool ?? '' },
});

export interface TrialRequest {
  readonly name?: string;
  readonly hook?: HookDefinition;
  readonly context?: Record<string, unknown>;
  readonly task?: string;
  readonly agent?: string;
  readonly tool?: string;
}

export class RemoteHooks {
  readonly #client: HookServiceClient;

  constructor(readonly address: string) {
    this.#client = new HookServiceClient(address, credentials.createInsecure(), ANSWERS_OF_ANY_SIZE);
  }

  close(): void {
    this.#client.close();
  }

  #unary<Res>(rpc: string, req: object): Promise<Res> {
    type Call = (
      req: object,
      md: Metadata,
      opts: { deadline: number },
      cb: (err: ServiceError | null, res: Res) => void,
    ) => void;
    const fn = (this.#client as unknown as Record<string, Call>)[rpc[0]!.toLowerCase() + rpc.slice(1)]!;
    return new Promise((resolve, reject) => {
      fn.call(this.#client, req, new Metadata(), { deadline: Date.now() + CALL_DEADLINE_MS }, (err, res) => {
        if (!err) return resolve(res);
        if (
          err.code === status.UNIMPLEMENTED &&
          err.metadata.get('baton-error-bin').length === 0 &&
          notGrpc(err.details) === undefined
        )
          return reject(
            new BatonError(
              'BATON_E_SERVER_UNIMPLEMENTED',
              `server ${this.address} does not serve HookService.${rpc}`,
            ),
          );
        reject(callError(err, this.address, rpc));
      });
    });
  }

  async add(d: HookDefinition): Promise<HookView> {
    const req = CreateHookRequest.fromPartial({ hook: toProto(d) });
    return view((await this.#unary<{ hook?: Hook }>('CreateHook', req)).hook!);
  }

  async list(trigger?: string): Promise<HookView[]> {
    return (await this.#unary<{ hooks: Hook[] }>('ListHooks', { trigger: trigger ?? '' })).hooks.map(view);
  }

  async get(name: string): Promise<HookView> {
    return view((await this.#unary<{ hook?: Hook }>('GetHook', { name })).hook!);
  }

  async remove(name: string): Promise<void> {
    await this.#unary('DeleteHook', { name });
  }

  async test(t: TrialRequest): Promise<HookTrial> {
    const req = TestHookRequest.fromPartial({
      name: t.name ?? '',
      ...(t.hook !== undefined && { hook: toProto(t.hook) }),
      context: t.context ?? {},
      task: t.task ?? '',
      agent: t.agent ?? '',
      tool: t.tool ?? '',
    });
    const r = await this.#unary<TestHookResponse>('TestHook', req);
    return {
      verdict: r.verdict as HookTrial['verdict'],
      ...(r.message !== '' && { message: r.message }),
      ...(r.context !== undefined && Object.keys(r.context).length > 0 && { context: r.context }),
      ...(r.patch !== undefined && r.patch !== null && { patch: r.patch as unknown }),
      ...(r.error !== '' && { error: r.error }),
      durationMs: r.durationMs,
    };
  }

  async logs(q: { runId?: string; hook?: string; limit: number }): Promise<ExecutionView[]> {
    const out: ExecutionView[] = [];
    let pageToken = '';
    do {
      const res = await this.#unary<{ executions: HookExecution[]; nextPageToken: string }>(
        'ListHookExecutions',
        {
          runId: q.runId ?? '',
          hook: q.hook ?? '',
          pageSize: Math.min(1000, q.limit - out.length),
          pageToken,
        },
      );
      out.push(...res.executions.map(executionView));
      pageToken = res.nextPageToken;
    } while (pageToken !== '' && out.length < q.limit);
    return out;
  }
}
