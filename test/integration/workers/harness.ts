// A real Baton server in this process (embedded app in a temp dir, worker hub with short leases,
// loopback gRPC) and real gRPC worker clients built on the generated AgentService client.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, status, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { openApp, type App } from '../../../src/app.js';
import type { WorkerHub } from '../../../src/agents/worker-hub.js';
import { RemoteWorkers } from '../../../src/agents/workers.js';
import { readErrorDetail } from '../../../src/api/errors.js';
import {
  AgentServiceClient,
  WorkRequest,
  type Assignment,
  type DeepPartial,
  type ResultReceipt,
  type Revocation,
  type WorkResponse,
  type WorkerWelcome,
} from '../../../src/api/gen/baton/v1/agent.js';
import { RunFeed } from '../../../src/api/run-feed.js';
import { createServer, listen, shutdown, type BatonServer } from '../../../src/api/server.js';
import { Workflow, type WorkflowSpec } from '../../../src/spec/schema.js';

export interface Served {
  readonly app: App;
  readonly hub: WorkerHub;
  readonly api: BatonServer;
  readonly address: string;
  readonly client: AgentServiceClient;
  close(): Promise<void>;
}

export async function serve(leaseMs = 300): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-workers-'));
  const workers = new RemoteWorkers({ leaseMs });
  const hub = workers.hub;
  const feed = new RunFeed();
  const app = await openApp({
    dataDir: join(dir, 'data'),
    inboxPollMs: 20,
    onTurn: (actor, entries) => {
      feed.publish(actor);
      workers.onTurn(actor, entries);
    },
    adapterFor: workers.adapterFor(),
  });
  await workers.attach({
    bus: app.bus,
    store: app.store,
    namespace: app.engine.namespace,
    instance: app.engine.owner,
  });
  const api = createServer({ runs: { engine: app.engine, store: app.store, feed }, workers });
  const address = `127.0.0.1:${await listen(api.server, '127.0.0.1:0')}`;
  const client = new AgentServiceClient(address, credentials.createInsecure());
  return {
    app,
    hub,
    api,
    address,
    client,
    async close() {
      client.close();
      await workers.close();
      await shutdown(api, 1000);
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const workflow = (doc: Record<string, unknown>): WorkflowSpec =>
  Workflow.parse({ name: 'wf', version: '1', ...doc });

/** What a worker does with an assignment: outputs, or undefined to keep it (and report later by hand). */
export type Handle = (
  a: Assignment,
) => Promise<Record<string, unknown> | undefined> | Record<string, unknown> | undefined;

export interface WorkerInit {
  readonly workerId: string;
  readonly agentIds: readonly string[];
  readonly capacity?: number;
  readonly handle?: Handle;
  /** Heartbeat period; 0 sends none. */
  readonly heartbeatMs?: number;
  /** False: open the stream without saying hello (to test the server's refusal). */
  readonly hello?: boolean;
}

/** A worker as a user would write one against the generated client: hello, heartbeats, results. */
export class TestWorker {
  readonly assignments: Assignment[] = [];
  readonly revocations: Revocation[] = [];
  readonly receipts: ResultReceipt[] = [];
  /** Leases held now (assigned, not yet reported or revoked). */
  readonly held = new Set<string>();
  /** Most leases held at once. */
  peak = 0;
  readonly welcome: Promise<WorkerWelcome>;
  /** The stream's end: null for OK, else the error. */
  readonly ended: Promise<ServiceError | null>;
  private readonly stream: ClientDuplexStream<WorkRequest, WorkResponse>;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    client: AgentServiceClient,
    private readonly init: WorkerInit,
  ) {
    this.stream = client.work();
    let welcomed!: (w: WorkerWelcome) => void;
    this.welcome = new Promise((resolve) => (welcomed = resolve));
    this.ended = new Promise((resolve) => {
      this.stream.on('error', (e: ServiceError) => resolve(e));
      this.stream.on('end', () => resolve(null));
    });
    this.stream.on('data', (msg: WorkResponse) => {
      if (msg.welcome) {
        for (const id of msg.welcome.resumedLeaseIds) this.held.add(id);
        welcomed(msg.welcome);
      }
      if (msg.assignment) this.onAssignment(msg.assignment);
      if (msg.revocation) {
        this.revocations.push(msg.revocation);
        this.held.delete(msg.revocation.leaseId);
      }
      if (msg.receipt) this.receipts.push(msg.receipt);
    });
    if (init.hello !== false)
      this.send({
        hello: { workerId: init.workerId, agentIds: [...init.agentIds], capacity: init.capacity ?? 1 },
      });
    const every = init.heartbeatMs ?? 50;
    if (every > 0) {
      this.timer = setInterval(() => this.send({ heartbeat: { leaseIds: [...this.held] } }), every);
    }
  }

  send(req: DeepPartial<WorkRequest>): void {
    this.stream.write(WorkRequest.fromPartial(req));
  }

  complete(leaseId: string, outputs: Record<string, unknown>): void {
    this.held.delete(leaseId);
    this.send({ result: { leaseId, outputs } });
  }

  /** Drops the connection the way a crashed worker does: the stream is reset, nothing more is sent. */
  drop(): void {
    clearInterval(this.timer);
    this.stream.cancel();
  }

  /** Half-closes cleanly and waits for the server to end the stream. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stream.end();
    await this.ended;
  }

  private onAssignment(a: Assignment): void {
    this.assignments.push(a);
    this.held.add(a.leaseId);
    this.peak = Math.max(this.peak, this.held.size);
    const handle = this.init.handle;
    if (!handle) return;
    void Promise.resolve(handle(a)).then((outputs) => {
      if (outputs !== undefined && this.held.has(a.leaseId)) this.complete(a.leaseId, outputs);
    });
  }
}

/** The status and ErrorDetail a stream or call ended with. */
export function failureOf(e: ServiceError | null) {
  if (!e) throw new Error('the stream ended OK');
  const detail = readErrorDetail(e.metadata);
  return { code: e.code, errorCode: detail?.code, fieldPath: detail?.fieldPath, message: e.details };
}

export async function until(check: () => boolean, what = 'condition'): Promise<void> {
  const started = Date.now();
  while (!check()) {
    // A bound on waiting so a broken build fails with a name rather than a vitest timeout.
    if (Date.now() - started > 20_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export { status };
