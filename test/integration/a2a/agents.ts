// Starts the A2A test agents (test/fixtures/a2a/agent.js) in a process of their own, on loopback, and
// reads what they saw from their log: the messages (with their ids and context ids) and the cancels.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('../../fixtures/a2a/agent.js', import.meta.url));

export interface AgentConfig {
  readonly name: string;
  readonly mode: string;
  readonly streaming?: boolean;
  readonly delayMs?: number;
  readonly steps?: number;
  readonly token?: string;
  readonly failTimes?: number;
  readonly retryable?: boolean;
  readonly bytes?: number;
  readonly transport?: 'jsonrpc' | 'rest';
  readonly skills?: ReadonlyArray<{
    id: string;
    tags?: string[];
    inputModes?: string[];
    outputModes?: string[];
  }>;
  readonly inputModes?: string[];
  readonly cardJson?: 'sdk' | 'spec';
  readonly questions?: number;
}

export interface LogLine {
  readonly agent: string;
  readonly event: 'message' | 'cancel' | 'unauthorized' | 'traceparent';
  readonly traceparent?: string;
  readonly messageId?: string;
  readonly taskId?: string;
  readonly contextId?: string;
  readonly followUp?: boolean;
  /** What the message carried: its first data part and its text. */
  readonly input?: { data: unknown; text: string };
  readonly auth?: string | null;
}

export class AgentServer {
  private constructor(
    readonly base: string,
    readonly log: string,
    private readonly child: ChildProcess,
  ) {}

  /** Starts the agents; resolves once they listen. `port` 0 picks a free one. */
  static start(agents: readonly AgentConfig[], log: string, port = 0): Promise<AgentServer> {
    const child = spawn(process.execPath, [FIXTURE, JSON.stringify({ port, log, agents })], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new Promise((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.stdout.on('data', (d: Buffer) => {
        const m = /A2A_READY (\S+)/.exec(d.toString());
        if (m) resolve(new AgentServer(m[1]!, log, child));
      });
      child.on('exit', (code) => reject(new Error(`the A2A test agents exited (${code}): ${err}`)));
    });
  }

  /** The endpoint URL of agent `name` (what a workflow's `a2a:` names). */
  url(name: string): string {
    return `${this.base}/${name}`;
  }

  get port(): number {
    return Number(new URL(this.base).port);
  }

  lines(agent?: string): LogLine[] {
    if (!existsSync(this.log)) return [];
    return readFileSync(this.log, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LogLine)
      .filter((l) => agent === undefined || l.agent === agent);
  }

  messages(agent: string): LogLine[] {
    return this.lines(agent).filter((l) => l.event === 'message');
  }

  cancels(agent: string): LogLine[] {
    return this.lines(agent).filter((l) => l.event === 'cancel');
  }

  /** kill -9: the agents vanish mid-whatever. */
  kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }
}

/** Polls `check` every 10 ms until it is true (a condition to wait for, never a timed assertion). */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  limitMs = 15_000,
): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
