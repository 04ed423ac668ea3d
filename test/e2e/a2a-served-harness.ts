// `baton serve --http` as a child process with workflows registered, for the served A2A tests and the
// bench: its gRPC and HTTP addresses, a workflow registrar, and @a2a-js/sdk clients over each transport.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { credentials } from '@grpc/grpc-js';
import { A2A_VERSION_HEADER, AgentCard } from '@a2a-js/sdk';
import {
  ClientFactory,
  ClientFactoryOptions,
  JsonRpcTransportFactory,
  RestTransportFactory,
  type Client,
} from '@a2a-js/sdk/client';
import { GrpcTransportFactory } from '@a2a-js/sdk/client/grpc';
import { WorkflowServiceClient } from '../../src/api/gen/baton/v1/workflow.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type Binding = 'JSONRPC' | 'HTTP+JSON' | 'GRPC';

/** Module agents the served test workflows use (written into the agents directory). */
export const AGENT_MODULES: Record<string, string> = {
  'step.mjs': 'export default async ({ taskId, input }) => ({ task: taskId, got: input });\n',
  'sleep.mjs': `export default async ({ input, signal }) => {
  await new Promise((resolve, reject) => {
    const t = setTimeout(resolve, input.ms);
    signal.addEventListener('abort', () => { clearTimeout(t); reject(new Error('aborted')); });
  });
  return { slept: input.ms };
};
`,
};

/** A 3-task chain taking one string input. */
export const TRIO = `workflow:
  name: trio
  version: "1"
  description: Three steps in a row
  inputs:
    topic: { type: string, required: true, description: what to work on }
  agents:
    a: { type: t, endpoint: { module: ./step.mjs } }
  tasks:
    - { id: one, agent: a, input: { topic: "input.topic" } }
    - { id: two, agent: a, depends_on: [one], input: { prev: "tasks.one.output" } }
    - { id: three, agent: a, depends_on: [two], input: { prev: "tasks.two.output" } }
`;

/** A task with a compensation, then one that sleeps `ms` (cancellable). */
export const SLOW = `workflow:
  name: slow
  version: "1"
  inputs:
    ms: { type: integer, default: 1500 }
  agents:
    a: { type: t, endpoint: { module: ./step.mjs } }
    s: { type: t, endpoint: { module: ./sleep.mjs } }
  tasks:
    - { id: reserve, agent: a, compensate: { agent: a } }
    - { id: wait, agent: s, depends_on: [reserve], input: { ms: "input.ms" } }
`;

export interface Served {
  readonly grpc: string;
  readonly http: string;
  readonly child: ChildProcess;
  stderr(): string;
  register(source: string): Promise<void>;
  /** An SDK client of workflow `name`'s agent, speaking `binding` (from its card; `tenant` overrides the gRPC one). */
  client(name: string, binding: Binding, tenant?: string): Promise<Client>;
  stop(): Promise<void>;
}

/** Starts `baton serve --http` on loopback with its data and agents under `dir`. */
export async function serve(dir: string, extraArgs: string[] = []): Promise<Served> {
  const agents = join(dir, 'agents');
  mkdirSync(agents, { recursive: true });
  for (const [file, text] of Object.entries(AGENT_MODULES)) writeFileSync(join(agents, file), text);
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin/baton.js'),
      'serve',
      '--listen',
      '127.0.0.1:0',
      '--http',
      '127.0.0.1:0',
      '--data-dir',
      join(dir, 'data'),
      '--agents-dir',
      agents,
      ...extraArgs,
    ],
    { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout });
  const addresses: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      const a = /on (\S+:\d+)$/.exec(line)?.[1];
      if (a !== undefined) addresses.push(a);
      if (addresses.length === 2) resolve();
    });
    child.once('exit', (code) => reject(new Error(`baton serve exited (${String(code)}): ${stderr}`)));
  });
  await ready;
  const [grpc, http] = addresses as [string, string];
  const workflows = new WorkflowServiceClient(grpc, credentials.createInsecure());
  return {
    grpc,
    http: `http://${http}`,
    child,
    stderr: () => stderr,
    register: (source) =>
      new Promise((resolve, reject) =>
        workflows.registerWorkflow({ source }, (err) => (err ? reject(err) : resolve())),
      ),
    client: async (name, binding, tenant) => {
      const factory = new ClientFactory(
        ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
          transports: [new JsonRpcTransportFactory(), new RestTransportFactory(), new GrpcTransportFactory()],
          preferredTransports: [binding],
        }),
      );
      // Only the interfaces of `binding` at 1.0: the client cannot fall back to another transport.
      const res = await fetch(`http://${http}/a2a/${name}/.well-known/agent-card.json`, {
        headers: { [A2A_VERSION_HEADER]: '1.0' },
      });
      const card = AgentCard.fromJSON(await res.json());
      return factory.createFromAgentCard({
        ...card,
        supportedInterfaces: card.supportedInterfaces
          .filter((i) => i.protocolBinding === binding && i.protocolVersion === '1.0')
          .map((i) => (tenant === undefined ? i : { ...i, tenant })),
      });
    },
    stop: async () => {
      workflows.close();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exit = once(child, 'exit');
      child.kill('SIGTERM');
      await exit;
    },
  };
}
