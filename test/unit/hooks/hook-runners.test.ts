// The exec and http hook runners against real processes and a real loopback server: the verdict by JSON
// or exit code, the clean environment, the HMAC signature, and hostile hooks contained and named.

import { createServer, type Server } from 'node:http';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hookConfig, type HookConfig, type HookInvocation } from '../../../src/hooks/hook-model.js';
import { ExecHookRunner } from '../../../src/hooks/hook-exec.js';
import { HttpHookRunner } from '../../../src/hooks/hook-http.js';

const inv: HookInvocation = {
  trigger: 'pre_command',
  namespace: 'default',
  runId: 'r1',
  workflow: 'wf',
  task: 'build',
  tool: 'command',
  context: { args: { cmd: 'rm -rf /' } },
  idempotencyKey: 'r1/pre_command/build/1/tool1/guard',
};
const sh = (script: string, over: Partial<HookConfig> = {}): HookConfig => ({
  ...hookConfig({ name: 'guard', trigger: 'pre_command', command: 'sh', args: ['-c', script] }, 'workflow'),
  ...over,
});
const never = new AbortController().signal;

describe('exec hooks', () => {
  const exec = new ExecHookRunner({ env: ['HOOK_ALLOWED'] });

  it('reads the invocation on stdin and answers a JSON verdict on stdout', async () => {
    const v = await exec.run(
      sh(
        `read line; case "$line" in *rm\\ -rf*) echo '{"verdict":"deny","message":"no rm -rf"}';; *) echo '{"verdict":"allow"}';; esac`,
      ),
      inv,
      never,
    );
    expect(v).toEqual({ verdict: 'deny', message: 'no rm -rf' });
  });

  it('answers by exit code: 0 allow, 2 deny with stderr, anything else warn', async () => {
    expect(await exec.run(sh('exit 0'), inv, never)).toEqual({ verdict: 'allow' });
    expect(await exec.run(sh('echo policy says no >&2; exit 2'), inv, never)).toEqual({
      verdict: 'deny',
      message: 'policy says no',
    });
    expect(await exec.run(sh('echo odd >&2; exit 5'), inv, never)).toEqual({
      verdict: 'warn',
      message: 'odd',
    });
  });

  it('gets a clean environment plus what config allows, and its run', async () => {
    process.env.HOOK_ALLOWED = 'yes';
    process.env.HOOK_SECRET_LEAK = 'leak';
    const v = await exec.run(
      sh(
        `printf '{"verdict":"allow","context":{"a":"%s","b":"%s","k":"%s"}}' "$HOOK_ALLOWED" "$HOOK_SECRET_LEAK" "$BATON_IDEMPOTENCY_KEY"`,
      ),
      inv,
      never,
    );
    expect(v.context).toEqual({ a: 'yes', b: '', k: inv.idempotencyKey });
  });

  it('a hook that hangs is killed with its whole process group at its timeout, and named', async () => {
    const pidFile = join(mkdtempSync(join(tmpdir(), 'hook-')), 'pid');
    // It starts a background child too: killing only sh would leave that one running.
    const v = await exec.run(
      sh(`sleep 30 & echo $! > ${pidFile}; sleep 30`, { timeout_ms: 300 }),
      inv,
      never,
    );
    expect(v).toMatchObject({ verdict: 'deny', error: 'timed out after 300 ms' });
    expect(v.message).toContain('hook "guard" failed');
    const child = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
    // Gone, or a zombie no one reaped yet (state Z): either way it no longer runs.
    const state = existsSync(`/proc/${child}/stat`)
      ? readFileSync(`/proc/${child}/stat`, 'utf8').split(' ')[2]
      : 'gone';
    expect(['gone', 'Z']).toContain(state);
  });

  it('a hook that prints 100 MB is stopped at the output cap; a post hook failing open warns', async () => {
    const v = await exec.run(
      sh('head -c 104857600 /dev/zero', { trigger: 'post_command', fail: 'open' }),
      inv,
      never,
    );
    expect(v).toMatchObject({ verdict: 'warn', error: 'wrote more than 1048576 bytes to stdout' });
  });

  it('nonsense on stdout or a missing program is the hook’s own failure', async () => {
    expect(await exec.run(sh('echo not json'), inv, never)).toMatchObject({
      verdict: 'deny',
      error: expect.stringContaining('not JSON') as unknown,
    });
    expect(await exec.run(sh(`echo '{"verdict":"transform"}'`), inv, never)).toMatchObject({
      error: expect.stringContaining('needs a patch') as unknown,
    });
    const missing = await exec.run(sh('', { command: '/no/such/program', args: [] }), inv, never);
    expect(missing).toMatchObject({
      verdict: 'deny',
      error: expect.stringContaining('cannot start /no/such/program') as unknown,
    });
  });
});

describe('http hooks', () => {
  let server: Server;
  let url: string;
  const seen: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        if (req.url === '/hang') return; // never answers
        if (req.url === '/500') {
          res.writeHead(500).end('down');
          return;
        }
        if (req.url === '/big') {
          res.writeHead(200);
          res.end('x'.repeat(2 << 20));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ verdict: 'transform', patch: { args: { cmd: 'ls' } }, message: 'safer' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const web = (path: string, over: Partial<HookConfig> = {}): HookConfig => ({
    ...hookConfig({ name: 'web', trigger: 'pre_command', command: `${url}${path}` }, 'workflow'),
    ...over,
  });

  it('POSTs the invocation signed with HMAC-SHA256 and reads the verdict', async () => {
    const runner = new HttpHookRunner({ secret: 's3cret' });
    const v = await runner.run(web('/ok'), inv, never);
    expect(v).toEqual({ verdict: 'transform', patch: { args: { cmd: 'ls' } }, message: 'safer' });
    const got = seen.at(-1)!;
    expect(JSON.parse(got.body)).toEqual(inv);
    const want = `sha256=${createHmac('sha256', 's3cret').update(got.body).digest('hex')}`;
    expect(got.headers['x-baton-signature-256']).toBe(want);
    expect(got.headers['x-baton-idempotency-key']).toBe(inv.idempotencyKey);
  });

  it('a timeout, an error status or an oversized body is the hook’s failure, by its fail policy', async () => {
    const runner = new HttpHookRunner();
    expect(await runner.run(web('/hang', { timeout_ms: 200 }), inv, never)).toMatchObject({
      verdict: 'deny',
      error: 'timed out after 200 ms',
    });
    expect(await runner.run(web('/500', { fail: 'open' }), inv, never)).toMatchObject({
      verdict: 'warn',
      error: expect.stringContaining('HTTP 500') as unknown,
    });
    expect(await runner.run(web('/big'), inv, never)).toMatchObject({
      verdict: 'deny',
      error: expect.stringContaining('longer than') as unknown,
    });
  });
});
