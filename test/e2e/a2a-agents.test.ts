// Remote A2A agents through the built CLI, as a user runs them: `baton run` killed with SIGKILL while a
// remote agent streams a slow task, then `baton resume`: the agent saw exactly one task for that attempt
// and the run completes with its result. And `baton validate --resolve-agents` against real cards.

import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentServer } from '../integration/a2a/agents.js';
import { baton, ROOT, tempDir } from './cli-helpers.js';

const tmp = tempDir();
let server: AgentServer;

beforeAll(async () => {
  server = await AgentServer.start(
    [
      { name: 'slow', mode: 'echo', steps: 60, delayMs: 50 },
      { name: 'slowpoll', mode: 'echo', steps: 60, delayMs: 50, streaming: false },
      {
        name: 'research',
        mode: 'echo',
        skills: [
          { id: 'web_search', tags: ['search', 'web'], outputModes: ['application/json'] },
          { id: 'summarize', tags: ['writing'] },
        ],
      },
      { name: 'guarded', mode: 'echo', token: 'open-sesame' },
    ],
    join(tmp.dir, 'agents.log'),
  );
});
afterAll(async () => {
  await server.kill();
  tmp.cleanup();
});

/** Runs `baton run`, SIGKILLs it once `ready` holds; resolves with the run id it printed. */
function runAndKill(args: string[], ready: (runId: string) => Promise<boolean>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/baton.js'), ...args], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let runId: string | undefined;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      runId ??= /run (run_\w+)/.exec(stderr)?.[1];
    });
    const poll = async () => {
      while (child.exitCode === null) {
        if (runId !== undefined && (await ready(runId))) {
          child.kill('SIGKILL');
          return;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    void poll();
    child.on('close', () => (runId ? resolve(runId) : reject(new Error(`no run id in: ${stderr}`))));
  });
}

/** A loopback port nobody listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function journal(
  runId: string,
  dir: string,
): Promise<Array<{ type: string; data: Record<string, unknown> }>> {
  const r = await baton(['events', runId, '--json', '--data-dir', dir]);
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> });
}

describe('baton run with a remote A2A agent, killed with SIGKILL mid-task, then baton resume', () => {
  it.each(['slow', 'slowpoll'])(
    'agent %s: the remote agent saw one task for the attempt, and the run completes with its result',
    async (agent) => {
      const dir = join(tmp.dir, `data-${agent}`);
      const wf = join(tmp.dir, `wf-${agent}.yaml`);
      writeFileSync(
        wf,
        `workflow:
  name: remote
  version: "1"
  agents:
    researcher:
      type: research_agent
      endpoint: { a2a: "${server.url(agent)}" }
  tasks:
    - { id: research, agent: researcher, input: { topic: "'batteries'" } }
`,
      );
      // Killed once the agent is working on the task and the run has journaled which task it is.
      const runId = await runAndKill(['run', wf, '--data-dir', dir], async (id) => {
        const working = server.messages(agent).some((m) => m.contextId === `${id}/researcher`);
        return working && (await journal(id, dir)).some((e) => e.type === 'TaskAttemptAttached');
      });
      const seen = () => server.messages(agent).filter((m) => m.contextId === `${runId}/researcher`);
      expect(seen()).toHaveLength(1);
      const resumed = await baton(['resume', runId, '--data-dir', dir, '--json'], { timeoutMs: 30_000 });
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(seen()).toHaveLength(1);
      const entries = await journal(runId, dir);
      const attached = entries.filter((e) => e.type === 'TaskAttemptAttached');
      expect(attached.map((e) => e.data.remoteTaskId)).toEqual([seen()[0]!.taskId]);
      const done = entries.find((e) => e.type === 'TaskCompleted');
      expect(done?.data.output).toMatchObject({
        agent,
        input: { topic: 'batteries' },
        taskId: seen()[0]!.taskId,
      });
      expect(entries.at(-1)?.type).toBe('RunCompleted');
      // The idempotency key of the one dispatch is the one message id the agent saw.
      const dispatched = entries.filter((e) => e.type === 'TaskDispatched');
      expect(dispatched.map((e) => e.data.idem)).toEqual([seen()[0]!.messageId]);
    },
  );

  it('baton status and events show a task that waits for input', async () => {
    const asker = await AgentServer.start([{ name: 'asks', mode: 'input' }], join(tmp.dir, 'asks.log'));
    try {
      const dir = join(tmp.dir, 'data-asks');
      const wf = join(tmp.dir, 'wf-asks.yaml');
      writeFileSync(
        wf,
        `workflow:
  name: asks
  version: "1"
  agents:
    clerk: { type: clerk, endpoint: { a2a: "${asker.url('asks')}" } }
  tasks:
    - { id: ask, agent: clerk }
`,
      );
      const runId = await runAndKill(['run', wf, '--data-dir', dir], async (id) =>
        (await journal(id, dir)).some((e) => e.type === 'TaskInputRequired'),
      );
      const status = await baton(['status', runId, '--data-dir', dir]);
      expect(status.stdout).toMatch(
        /waiting for input: ask \(clerk\) since .*: Which year should I look at\?/,
      );
      const json = JSON.parse((await baton(['status', runId, '--json', '--data-dir', dir])).stdout) as {
        input_required: Array<{ key: string; question: string; remote_task_id: string }>;
      };
      expect(json.input_required).toEqual([
        expect.objectContaining({ key: 'ask', question: 'Which year should I look at?' }),
      ]);
      expect(json.input_required[0]!.remote_task_id).toBe(asker.messages('asks')[0]!.taskId);
      const events = await baton(['events', runId, '--data-dir', dir]);
      expect(events.stdout).toContain('ask waits for input: Which year should I look at?');
    } finally {
      await asker.kill();
    }
  });
});

describe('baton validate --resolve-agents', () => {
  const workflow = (requires: string, agents = '') => `workflow:
  name: resolve
  version: "1"
  agents:
    researcher:
      type: research_agent
      capabilities: [web_search, "output:application/json", "input:application/pdf", writing, translate]
      endpoint: { a2a: "${server.url('research')}" }
${agents}  tasks:
    - id: research
      agent: researcher
      requires: ${requires}
`;

  it('accepts tasks whose requires the card offers (skill ids, tags, media types)', async () => {
    const file = join(tmp.dir, 'ok.yaml');
    writeFileSync(file, workflow('[web_search, "output:application/json", writing]'));
    const r = await baton(['validate', '--resolve-agents', file]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('reports a requirement the card does not offer at its place, with what the card offers', async () => {
    const file = join(tmp.dir, 'mismatch.yaml');
    writeFileSync(file, workflow('[web_search, translate, "input:application/pdf"]'));
    const r = await baton(['validate', '--resolve-agents', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`${file}:12:30  BATON_E_AGENT_CARD_MISMATCH  task "research" requires "translate"`),
    );
    expect(r.stderr).toContain('requires "input:application/pdf"');
    expect(r.stderr).toContain('web_search (tags search, web)');
    const json = JSON.parse((await baton(['validate', '--resolve-agents', '--json', file])).stdout) as {
      diagnostics: Array<{ code: string; line: number; path: string }>;
    };
    expect(json.diagnostics.map((d) => [d.code, d.path])).toEqual([
      ['BATON_E_AGENT_CARD_MISMATCH', 'workflow.tasks[0].requires[1]'],
      ['BATON_E_AGENT_CARD_MISMATCH', 'workflow.tasks[0].requires[2]'],
    ]);
    // Without --resolve-agents the cards are not fetched: the workflow is valid as written.
    expect((await baton(['validate', file])).code).toBe(0);
  });

  it('a card that cannot be fetched is a warning; one that is not a card is an error at the endpoint', async () => {
    const file = join(tmp.dir, 'cards.yaml');
    writeFileSync(
      file,
      workflow(
        '[web_search]',
        `    gone:
      type: t
      endpoint: { a2a: "http://127.0.0.1:${await closedPort()}/a2a" }
    nobody:
      type: t
      endpoint: { a2a: "${server.base}/nobody" }
`,
      ),
    );
    const r = await baton(['validate', '--resolve-agents', '--json', file]);
    const json = JSON.parse(r.stdout) as {
      diagnostics: Array<{ code: string; path: string }>;
      warnings: Array<{ code: string; path: string; message: string }>;
    };
    expect(json.warnings).toEqual([
      expect.objectContaining({
        code: 'BATON_E_AGENT_CARD_UNREACHABLE',
        path: 'workflow.agents.gone.endpoint.a2a',
        line: 11,
        message: expect.stringContaining('ECONNREFUSED') as unknown,
      }),
    ]);
    expect(json.diagnostics).toEqual([
      expect.objectContaining({
        code: 'BATON_E_AGENT_CARD_INVALID',
        path: 'workflow.agents.nobody.endpoint.a2a',
        message: expect.stringContaining('HTTP 404') as unknown,
      }),
    ]);
    expect(r.code).toBe(1);
  });
});

describe('authentication from the command line', () => {
  it('takes the token from --a2a-credentials, or says which variable to set', async () => {
    const dir = join(tmp.dir, 'data-auth');
    const wf = join(tmp.dir, 'wf-auth.yaml');
    writeFileSync(
      wf,
      `workflow:
  name: auth
  version: "1"
  agents:
    archive: { type: t, endpoint: { a2a: "${server.url('guarded')}", credential: archive_token } }
  tasks:
    - { id: fetch, agent: archive }
`,
    );
    const refused = await baton(['run', wf, '--data-dir', dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr + refused.stdout).toContain('BATON_E_A2A_AUTH_REQUIRED');
    expect(refused.stderr + refused.stdout).toContain('BATON_A2A_TOKEN_ARCHIVE_TOKEN');
    const secrets = join(tmp.dir, 'secrets.yaml');
    writeFileSync(secrets, 'archive_token: open-sesame\n');
    const ok = await baton(['run', wf, '--data-dir', dir, '--a2a-credentials', secrets]);
    expect(ok.code, ok.stderr).toBe(0);
    const viaEnv = await baton(['run', wf, '--data-dir', dir], {
      env: { ...process.env, BATON_A2A_TOKEN_ARCHIVE_TOKEN: 'open-sesame' },
    });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
  });
});

describe('examples/research_and_analysis_a2a.yaml', () => {
  it('with the example researcher agent running, gives the same report as the in-process reference', async () => {
    const port = await closedPort();
    const agent = spawn(
      process.execPath,
      [join(ROOT, 'examples/a2a/researcher-agent.js'), '--port', String(port)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        agent.stdout.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
        agent.on('exit', (code) => reject(new Error(`the example agent exited (${code})`)));
      });
      const wf = join(tmp.dir, 'research_a2a.yaml');
      const source = readFileSync(join(ROOT, 'examples/research_and_analysis_a2a.yaml'), 'utf8');
      writeFileSync(
        wf,
        source
          .replace('127.0.0.1:41241', `127.0.0.1:${port}`)
          .replaceAll('./agents/', join(ROOT, 'examples/agents/')),
      );
      expect((await baton(['validate', '--resolve-agents', wf])).code).toBe(0);
      const remote = await baton(['run', wf, '--data-dir', join(tmp.dir, 'ex-a2a')], { timeoutMs: 60_000 });
      expect(remote.code, remote.stderr).toBe(0);
      const local = await baton(
        ['run', 'examples/research_and_analysis.yaml', '--data-dir', join(tmp.dir, 'ex-local')],
        {
          timeoutMs: 60_000,
        },
      );
      expect(remote.stdout).toMatch(/## Statistics/);
      expect(remote.stdout).toBe(local.stdout);
    } finally {
      agent.kill();
    }
  });
});
