// `baton hook add|list|rm|test|logs`: the namespace's global hooks and the hook execution log, in the
// data directory's store (or --store) or on a server with --server / BATON_SERVER. A change applies to
// runs that start afterwards. `test` runs a hook once against a sample context and prints its verdict
// (exit 1 when it denies or fails).

import type { Command } from 'commander';
import type { HookDefinition, RemoteHooks, TrialRequest } from '../../api/hook-client.js';
import { BatonError } from '../../errors/registry.js';
import { GlobalHookAdmin, parseGlobalHook } from '../../hooks/global-hooks.js';
import { hookConfig } from '../../hooks/hook-model.js';
import { tryHook, type HookTrial } from '../../hooks/hook-test.js';
import { executionView, hookView, type ExecutionView, type HookView } from '../../hooks/hook-views.js';
import type { App } from '../../app.js';
import type { Output } from '../io.js';
import { serverAddress } from '../remote.js';
import { parseInputOption } from './run.js';
import { withApp } from './status.js';

type Opt = readonly [string, string, string?];

interface Where {
  dataDir: string;
  store?: string;
  server?: string;
  json?: boolean;
}

interface AddOptions extends Where {
  priority?: string;
  timeout?: string;
  alwaysRun?: boolean;
  disabled?: boolean;
  kind?: string;
  mode?: string;
  fail?: string;
  agent?: string;
  task?: string;
  tool?: string;
}

interface TestOptions extends Where {
  context?: string;
  task?: string;
  agent?: string;
  tool?: string;
}

interface LogsOptions extends Where {
  run?: string;
  hook?: string;
  limit?: string;
}

/** What a command does locally (the data directory's store) and remotely (HookService). */
interface Backend {
  add(d: HookDefinition): Promise<HookView>;
  list(trigger?: string): Promise<HookView[]>;
  remove(name: string): Promise<void>;
  test(t: TrialRequest): Promise<HookTrial>;
  logs(q: { runId?: string; hook?: string; limit: number }): Promise<ExecutionView[]>;
}

function local(app: App): Backend {
  const ns = app.engine.namespace;
  const admin = new GlobalHookAdmin(app.store);
  return {
    add: async (d) => hookView(await admin.create(ns, d)),
    list: async (trigger) => (await admin.list(ns, trigger)).map(hookView),
    remove: (name) => admin.delete(ns, name),
    async test(t) {
      const hook =
        t.name !== undefined
          ? (await admin.get(ns, t.name)).config
          : hookConfig(parseGlobalHook(t.hook), 'global');
      return tryHook(app.hookRunners, hook, {
        namespace: ns,
        ...(t.context !== undefined && { context: t.context }),
        ...(t.task !== undefined && { task: t.task }),
        ...(t.agent !== undefined && { agent: t.agent }),
        ...(t.tool !== undefined && { tool: t.tool }),
      });
    },
    async logs(q) {
      const out: ExecutionView[] = [];
      let cursor: string | undefined;
      do {
        const page = await app.store.listHookExecutions(ns, {
          ...(q.runId !== undefined && { runId: q.runId }),
          ...(q.hook !== undefined && { hook: q.hook }),
          limit: Math.min(1000, q.limit - out.length),
          ...(cursor !== undefined && { cursor }),
        });
        out.push(...page.executions.map(executionView));
        cursor = page.nextCursor;
      } while (cursor !== undefined && out.length < q.limit);
      return out;
    },
  };
}

/** Runs `fn` against the server the options name, or the data directory's store. */
async function on<T>(opts: Where, fn: (b: Backend) => Promise<T>): Promise<T> {
  const address = serverAddress(opts);
  if (address) {
    const { RemoteHooks } = await import('../../api/hook-client.js');
    const client: RemoteHooks = new RemoteHooks(address);
    try {
      return await fn(client);
    } finally {
      client.close();
    }
  }
  return withApp(opts, (app) => fn(local(app)));
}

function intOption(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new BatonError('BATON_E_USAGE', `${flag} ${value}: expected an integer`);
  return Number(value);
}

export function registerHookCommands(
  program: Command,
  shared: { dataDir: Opt; server: Opt; store: Opt },
  o: Output,
  setExit: (code: number) => void,
): void {
  const hook = program
    .command('hook')
    .description('global hooks: run for every run of the namespace that starts afterwards (docs/hooks.md)');
  const where = (c: Command) =>
    c
      .option(shared.dataDir[0], shared.dataDir[1], shared.dataDir[2])
      .option(shared.store[0], shared.store[1])
      .option(shared.server[0], shared.server[1]);

  where(
    hook
      .command('add')
      .description('create a global hook: a program, an http(s) URL or a hook plugin name@version')
      .argument('<name>', 'hook name, unique in the namespace')
      .argument('<trigger>', 'session_start, pre_task, pre_command, post_edit, notification, ...')
      .argument('<command>', 'program, webhook URL, or name@version of a registered hook plugin')
      .argument('[args...]', 'arguments of an exec hook (after --)')
      .option('--priority <n>', 'lower runs first [100]')
      .option('--timeout <ms>', 'timeout in milliseconds [30000]')
      .option('--always-run', 'run even after an earlier hook denied')
      .option('--disabled', 'create it disabled')
      .option('--kind <kind>', 'exec, http or wasm [inferred from the command]')
      .option('--mode <mode>', 'blocking or async [async for notification, else blocking]')
      .option('--fail <policy>', "what the hook's own failure means: open or closed [closed for pre_*]")
      .option('--agent <glob>', "only for agents matching this ('*' wildcards)")
      .option('--task <glob>', 'only for tasks matching this')
      .option('--tool <glob>', 'only for tools matching this')
      .option('--json', 'print the hook as JSON'),
  ).action(async (name: string, trigger: string, command: string, args: string[], opts: AddOptions) =>
    setExit(await addCommand({ name, trigger, command, args }, opts, o)),
  );

  where(
    hook
      .command('list')
      .description('list global hooks by priority')
      .option('--trigger <trigger>', 'only this trigger')
      .option('--json', 'print JSON'),
  ).action(async (opts: Where & { trigger?: string }) => setExit(await listCommand(opts, o)));

  where(hook.command('rm').description('delete global hooks').argument('<names...>', 'hook names')).action(
    async (names: string[], opts: Where) => setExit(await rmCommand(names, opts, o)),
  );

  where(
    hook
      .command('test')
      .description(
        'run a global hook once against a sample context and print its verdict (exit 1: deny or error)',
      )
      .argument('<name>', 'hook name')
      .option('--context <json>', "the trigger's context as JSON, or @file.json [{}]")
      .option('--task <task>', 'the task the invocation names')
      .option('--agent <agent>', 'the agent it names')
      .option('--tool <tool>', 'the tool it names')
      .option('--json', 'print the verdict as JSON'),
  ).action(async (name: string, opts: TestOptions) => setExit(await testCommand(name, opts, o)));

  where(
    hook
      .command('logs')
      .description('hook executions (kept 7 days unless `hook_log_retention` says otherwise), newest first')
      .option('--run <run>', 'only executions for this run')
      .option('--hook <name>', 'only executions of this hook')
      .option('--limit <n>', 'at most this many [50]')
      .option('--json', 'print JSON'),
  ).action(async (opts: LogsOptions) => setExit(await logsCommand(opts, o)));
}

async function addCommand(
  base: { name: string; trigger: string; command: string; args: string[] },
  opts: AddOptions,
  o: Output,
): Promise<number> {
  const priority = intOption('--priority', opts.priority);
  const timeout = intOption('--timeout', opts.timeout);
  const matcher = {
    ...(opts.agent !== undefined && { agent: opts.agent }),
    ...(opts.task !== undefined && { task: opts.task }),
    ...(opts.tool !== undefined && { tool: opts.tool }),
  };
  const d: HookDefinition = {
    ...base,
    ...(priority !== undefined && { priority }),
    ...(timeout !== undefined && { timeout_ms: timeout }),
    ...(opts.alwaysRun && { always_run: true }),
    ...(opts.disabled && { enabled: false }),
    ...(opts.kind !== undefined && { kind: opts.kind }),
    ...(opts.mode !== undefined && { mode: opts.mode }),
    ...(opts.fail !== undefined && { fail: opts.fail }),
    ...(Object.keys(matcher).length > 0 && { matcher }),
  };
  const h = await on(opts, (b) => b.add(d));
  if (opts.json) o.out(JSON.stringify(h, null, 2));
  else o.out(`hook ${h.name} created: ${line(h)}; runs that start from now on use it`);
  return 0;
}

async function listCommand(opts: Where & { trigger?: string }, o: Output): Promise<number> {
  const all = await on(opts, (b) => b.list(opts.trigger));
  if (opts.json) o.out(JSON.stringify(all, null, 2));
  else if (all.length === 0) o.out('no global hooks');
  else for (const h of all) o.out(`${h.name}  ${line(h)}`);
  return 0;
}

async function rmCommand(names: string[], opts: Where, o: Output): Promise<number> {
  let failed = 0;
  for (const name of names) {
    try {
      await on(opts, (b) => b.remove(name));
      o.out(`deleted hook ${name}`);
    } catch (e) {
      if (!(e instanceof BatonError)) throw e;
      failed += 1;
      o.err(`baton: ${e.code}  ${e.message}`);
    }
  }
  return failed === 0 ? 0 : 1;
}

async function testCommand(name: string, opts: TestOptions, o: Output): Promise<number> {
  const context = await parseInputOption(opts.context);
  if (context !== undefined && (typeof context !== 'object' || context === null || Array.isArray(context)))
    throw new BatonError('BATON_E_USAGE', '--context must be a JSON object');
  const r = await on(opts, (b) =>
    b.test({
      name,
      ...(context !== undefined && { context: context as Record<string, unknown> }),
      ...(opts.task !== undefined && { task: opts.task }),
      ...(opts.agent !== undefined && { agent: opts.agent }),
      ...(opts.tool !== undefined && { tool: opts.tool }),
    }),
  );
  if (opts.json) o.out(JSON.stringify(r, null, 2));
  else {
    const why = r.error ?? r.message;
    o.out(`${r.verdict}${why ? `: ${why}` : ''} (${r.durationMs.toFixed(1)} ms)`);
    if (r.context !== undefined) o.out(`  context ${JSON.stringify(r.context)}`);
    if (r.patch !== undefined) o.out(`  patch ${JSON.stringify(r.patch)}`);
  }
  return r.verdict === 'deny' || r.verdict === 'error' ? 1 : 0;
}

async function logsCommand(opts: LogsOptions, o: Output): Promise<number> {
  const limit = intOption('--limit', opts.limit) ?? 50;
  if (limit < 1) throw new BatonError('BATON_E_USAGE', `--limit ${limit}: must be at least 1`);
  const all = await on(opts, (b) =>
    b.logs({
      ...(opts.run !== undefined && { runId: opts.run }),
      ...(opts.hook !== undefined && { hook: opts.hook }),
      limit,
    }),
  );
  if (opts.json) o.out(JSON.stringify(all, null, 2));
  else if (all.length === 0) o.out('no hook executions');
  else
    for (const e of all) {
      const why = e.error ?? e.message;
      o.out(
        `${e.at}  ${e.run_id}  ${e.hook}  ${e.trigger}  ${e.mode}  ${e.verdict}  ${e.duration_ms.toFixed(1)}ms` +
          (why ? `  ${why}` : ''),
      );
    }
  return 0;
}

function line(h: HookView): string {
  const m = h.matcher ? `  matcher ${JSON.stringify(h.matcher)}` : '';
  const args = h.args.length > 0 ? ` ${h.args.join(' ')}` : '';
  return (
    `${h.trigger}  ${h.kind}  ${h.mode}  fail-${h.fail}  priority ${h.priority}  ` +
    `${h.enabled ? 'enabled' : 'disabled'}  ${h.command}${args}${m}`
  );
}
