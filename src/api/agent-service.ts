// AgentService over gRPC: the roster of agents served by remote workers (registrations kept in the
// worker hub's catalog, in memory for this process; workers from the shared roster in the store, so
// every instance lists every instance's workers), the workers themselves (ListWorkers: capacity, held
// assignments, this hub's queue) and the Work stream workers take assignments on.

import type { AgentDefinition } from '../agents/worker-catalog.js';
import { WorkerHub } from '../agents/worker-hub.js';
import type { RemoteWorkers } from '../agents/workers.js';
import { parseCpu, parseMemory } from '../spec/quantity.js';
import { ApiError, unary } from './errors.js';
import type {
  Agent,
  AgentServiceServer,
  ListAgentsRequest,
  ListAgentsResponse,
  ListWorkersResponse,
  RegisterAgentRequest,
  RegisterAgentResponse,
} from './gen/baton/v1/agent.js';
import { agentToProto } from './agent-wire.js';
import { workStream } from './agent-work.js';
import { quote } from '../errors/quote.js';

const PAGE = { default: 50, max: 500 };

const invalid = (fieldPath: string, message: string) =>
  new ApiError('BATON_E_REQUEST_INVALID', message, { fieldPath });

/**
 * The workers connected now: this instance's from its hub, and, when the roster is shared, every other
 * instance's from the store (as of their last heartbeat).
 */
async function connected(workers: WorkerHub | RemoteWorkers) {
  const hub = workers instanceof WorkerHub ? workers : workers.hub;
  const here = hub.workerViews().filter((w) => w.connected);
  const shared = workers instanceof WorkerHub ? undefined : workers.roster;
  if (!shared) return here;
  const elsewhere = (await shared.list()).filter((r) => r.instance !== (workers as RemoteWorkers).instance);
  return [...here, ...elsewhere];
}

export function agentService(workers: WorkerHub | RemoteWorkers): AgentServiceServer {
  const hub = workers instanceof WorkerHub ? workers : workers.hub;

  async function register(req: RegisterAgentRequest): Promise<RegisterAgentResponse> {
    const def = parseAgent(req.agent);
    const kept = hub.catalog.register(def);
    const serving = new Set(
      (await connected(workers)).filter((w) => w.routes.includes(kept.agentId)).map((w) => w.workerId),
    );
    return { agent: agentToProto(kept, serving.size) };
  }

  /** Registered agents and the ids connected workers serve without a registration, by id. */
  async function roster(): Promise<Agent[]> {
    const byId = new Map<string, Agent>();
    for (const def of hub.catalog.all()) byId.set(def.agentId, agentToProto(def, 0));
    // A worker that moved between instances may be listed by both for a moment: count it once.
    const seen = new Set<string>();
    for (const w of await connected(workers)) {
      if (seen.has(w.workerId)) continue;
      seen.add(w.workerId);
      for (const route of w.routes) {
        const agent = byId.get(route) ??
          // Served but never registered: what the workers announced is all that is known.
          {
            agentId: route,
            type: '',
            capabilities: [],
            maxInstances: 0,
            cpu: '',
            memory: '',
            connectedWorkers: 0,
          };
        agent.connectedWorkers += 1;
        if (!hub.catalog.has(route))
          agent.capabilities = [...new Set([...agent.capabilities, ...w.capabilities])];
        byId.set(route, agent);
      }
    }
    return [...byId.values()].sort((a, b) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0));
  }

  async function list(req: ListAgentsRequest): Promise<ListAgentsResponse> {
    const size = req.pageSize === 0 ? PAGE.default : Math.min(req.pageSize, PAGE.max);
    const after = req.pageToken === '' ? undefined : decodeToken(req.pageToken);
    const matching = (await roster()).filter(
      (a) =>
        (after === undefined || a.agentId > after) &&
        req.capabilities.every((c) => a.capabilities.includes(c)),
    );
    const page = matching.slice(0, size);
    return {
      agents: page,
      nextPageToken: matching.length > size ? encodeToken(page.at(-1)!.agentId) : '',
    };
  }

  /** Every connected worker once (one that moved between instances is listed where it is now). */
  async function workerList(): Promise<ListWorkersResponse> {
    const here = workers instanceof WorkerHub ? '' : (workers.instance ?? '');
    const byId = new Map<string, ListWorkersResponse['workers'][number]>();
    for (const w of await connected(workers)) {
      if (byId.has(w.workerId)) continue;
      byId.set(w.workerId, {
        workerId: w.workerId,
        instance: 'instance' in w ? w.instance : here,
        routes: [...w.routes],
        capabilities: [...w.capabilities],
        capacity: w.capacity,
        inFlight: w.inFlight,
      });
    }
    const list = [...byId.values()].sort((a, b) => (a.workerId < b.workerId ? -1 : 1));
    return { workers: list, queued: hub.queued };
  }

  return {
    registerAgent: unary(register),
    listAgents: unary(list),
    listWorkers: unary(workerList),
    deregisterAgent: unary((req: { agentId: string }) => {
      if (req.agentId === '') throw invalid('agent_id', 'is required');
      hub.catalog.deregister(req.agentId);
      return {};
    }),
    work: workStream(hub),
  };
}

function parseAgent(a: Agent | undefined): AgentDefinition {
  if (!a) throw invalid('agent', 'is required');
  if (a.agentId === '') throw invalid('agent.agent_id', 'is required');
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(a.agentId))
    throw invalid(
      'agent.agent_id',
      `${quote(a.agentId)} is not an id (letters, digits, _ and -, not starting with a digit)`,
    );
  if (a.type === '') throw invalid('agent.type', 'is required (e.g. "llm", "tool")');
  const blank = a.capabilities.indexOf('');
  if (blank >= 0) throw invalid(`agent.capabilities[${blank}]`, 'is empty');
  if (a.cpu !== '') {
    const cpu = parseCpu(a.cpu);
    if (!cpu.ok) throw invalid('agent.cpu', cpu.reason);
  }
  if (a.memory !== '') {
    const memory = parseMemory(a.memory);
    if (!memory.ok) throw invalid('agent.memory', memory.reason);
  }
  return {
    agentId: a.agentId,
    type: a.type,
    capabilities: a.capabilities,
    maxInstances: a.maxInstances === 0 ? 1 : a.maxInstances,
    cpu: a.cpu,
    memory: a.memory,
  };
}

/** Page tokens are opaque to clients: the last agent id of the page, base64url. */
const encodeToken = (agentId: string): string => Buffer.from(`agent:${agentId}`).toString('base64url');

function decodeToken(token: string): string {
  const text = Buffer.from(token, 'base64url').toString();
  if (!text.startsWith('agent:')) throw invalid('page_token', 'is not a token this server gave out');
  return text.slice('agent:'.length);
}
