// exec hooks: a program run with the hook's args, the invocation as JSON on stdin, a verdict as JSON on
// stdout or by exit code (0 allow, 2 deny with stderr as the reason, else warn). It runs in its own
// process group with a clean environment, and the whole group is killed at its timeout or when it
// writes more than it may.

import { spawn } from 'node:child_process';
import type { HookConfig, HookInvocation, HookRunner, HookVerdict } from './hook-model.js';
import { failed, MAX_HOOK_OUTPUT, parseVerdict } from './hook-verdict.js';
import { fault } from '../telemetry/faults.js';

export interface ExecHookOptions {
  /** Names of this process's environment variables a hook also gets (config `hook_env`). */
  readonly env?: readonly string[];
  /** The most bytes of stdout (and of stderr) a hook may write; more kills it. Default 1 MiB. */
  readonly maxOutputBytes?: number;
}

/** What every exec hook's environment has: a PATH to find programs, and what it runs for. */
const BASE_ENV = ['PATH', 'HOME', 'LANG', 'TZ'];

export class ExecHookRunner implements HookRunner {
  readonly kind = 'exec' as const;
  constructor(private readonly opts: ExecHookOptions = {}) {}

  async run(
    hook: HookConfig,
    inv: HookInvocation,
    signal: AbortSignal,
  ): Promise<HookVerdict & { error?: string }> {
    const r = await this.spawn(hook, inv, signal);
    if ('error' in r) return failed(hook, r.error);
    if (r.code === 0) {
      try {
        return parseVerdict(r.stdout);
      } catch (e) {
        return failed(hook, `${(e as Error).message} (stdout)`);
      }
    }
    const reason = r.stderr.trim().slice(0, 4096);
    if (r.code === 2) return { verdict: 'deny', message: reason || `exited with code 2` };
    return { verdict: 'warn', message: reason || `exited with code ${r.code ?? r.signal}` };
  }

  private environment(hook: HookConfig, inv: HookInvocation): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const name of [...BASE_ENV, ...(this.opts.env ?? [])]) {
      const v = process.env[name];
      if (v !== undefined) env[name] = v;
    }
    env.BATON_HOOK = hook.name;
    env.BATON_HOOK_TRIGGER = inv.trigger;
    env.BATON_RUN_ID = inv.runId;
    env.BATON_IDEMPOTENCY_KEY = inv.idempotencyKey;
    // W3C trace context (the name OpenTelemetry's env carrier uses): a traced hook joins the run's trace.
    if (inv.traceparent !== undefined) env.TRACEPARENT = inv.traceparent;
    return env;
  }

  private spawn(
    hook: HookConfig,
    inv: HookInvocation,
    signal: AbortSignal,
  ): Promise<
    { code: number | null; signal: string | null; stdout: string; stderr: string } | { error: string }
  > {
    const max = this.opts.maxOutputBytes ?? MAX_HOOK_OUTPUT;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (r: Parameters<typeof resolve>[0]): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(r);
      };
      let child: ReturnType<typeof spawn>;
      try {
        child = spawn(hook.command, [...hook.args], {
          detached: true, // its own process group: the timeout kills what it started too
          env: this.environment(hook, inv),
          stdio: ['pipe', 'pipe', 'pipe'],
        });
      } catch (e) {
        finish({ error: `cannot start ${hook.command}: ${(e as Error).message}` });
        return;
      }
      const killGroup = (why: string): void => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch (e) {
          // ESRCH: the group is gone already (it exited between the check and the kill).
          if ((e as NodeJS.ErrnoException).code !== 'ESRCH') fault('hooks', `killing hook ${hook.name}`, e);
        }
        finish({ error: why });
      };
      const timer = setTimeout(() => killGroup(`timed out after ${hook.timeout_ms} ms`), hook.timeout_ms);
      const onAbort = (): void => killGroup('abandoned: the engine stopped');
      signal.addEventListener('abort', onAbort, { once: true });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outBytes = 0;
      let errBytes = 0;
      child.stdout!.on('data', (b: Buffer) => {
        outBytes += b.length;
        if (outBytes > max) return killGroup(`wrote more than ${max} bytes to stdout`);
        out.push(b);
      });
      child.stderr!.on('data', (b: Buffer) => {
        errBytes += b.length;
        if (errBytes <= max) err.push(b);
      });
      child.on('error', (e) => finish({ error: `cannot start ${hook.command}: ${e.message}` }));
      child.on('close', (code, sig) =>
        finish({
          code,
          signal: sig,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        }),
      );
      // A hook that does not read its stdin gets EPIPE: that is its business, not a failure.
      child.stdin!.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EPIPE') fault('hooks', `writing to hook ${hook.name}`, e);
      });
      child.stdin!.end(JSON.stringify(inv));
    });
  }
}
