// The A2A edge: every registered workflow served as an A2A agent. Mounted at /a2a on the HTTP listener:
//   GET  /a2a                                  every agent card (JSON: { agents: [card, ...] })
//   GET  /a2a/NAME/.well-known/agent-card.json the card of workflow NAME (a v0.3 card without A2A-Version)
//   POST /a2a/NAME                             JSON-RPC (v1.0 with `A2A-Version: 1.0`, else v0.3)
//   *    /a2a/NAME/rest/...                    HTTP+JSON (v1.0 paths; v0.3's under /v1 through the SDK)
// and the gRPC transport (lf.a2a.v1.A2AService) on Baton's gRPC server, the workflow named by the
// request's tenant. The SDK's transports encode requests, errors and streams; this edge only finds the
// workflow's handler (workflow-agent.ts), bounds bodies, and tells handlers when a caller goes away.

import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Router } from 'express';
import { AgentCard } from '@a2a-js/sdk';
import { agentCardHandler, jsonRpcHandler, restHandler, UserBuilder } from '@a2a-js/sdk/server/express';
import { fault } from '../telemetry/faults.js';
import { type ServedAt } from './agent-card.js';
import { CALL_HEADER, openCall } from './call-signals.js';
import { checkShape, paramsShape, sendBodyShape } from './request-shape.js';
import { ServedWorkflows } from './served-workflows.js';
import { WorkflowAgent, type AgentDeps } from './workflow-agent.js';

/** The largest request body the edge reads (a run input travels in it). */
export const A2A_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

export type EdgeDeps = Omit<AgentDeps, 'workflows' | 'servedAt'>;

interface Served {
  readonly agent: WorkflowAgent;
  readonly jsonRpc: RequestHandler;
  readonly rest: RequestHandler;
}

interface Locals {
  served: Served;
}

/** Hands the request to the workflow's binding the earlier middleware found. */
const toServed =
  (binding: 'rest' | 'jsonRpc'): RequestHandler =>
  (req, res, next) =>
    (res.locals as Locals).served[binding](req, res, next);

const JSON_TYPES = ['application/json', 'application/a2a+json'];

export class A2AEdge {
  readonly workflows: ServedWorkflows;
  private readonly served = new Map<string, Served>();
  private httpAddress: string | undefined;
  private grpcAddress: string | undefined;

  constructor(private readonly deps: EdgeDeps) {
    this.workflows = new ServedWorkflows(deps);
  }

  /** Where the listeners are bound (HOST:PORT each), once they are: the cards' interfaces name them. */
  boundAt(at: { http?: string; grpc?: string }): void {
    if (at.http !== undefined) this.httpAddress = at.http;
    if (at.grpc !== undefined) this.grpcAddress = at.grpc;
  }

  /**
   * Where a caller reaches the edge: the bound addresses; a wildcard host (0.0.0.0, ::) is replaced by
   * the host the request was sent to, which is the one address known to reach this server.
   */
  servedAt(req?: Request): ServedAt {
    const hostOf = (address: string) => address.replace(/:\d+$/, '');
    const portOf = (address: string) => /:(\d+)$/.exec(address)?.[1] ?? '';
    const asked = req?.hostname;
    const wildcard = (h: string) => h === '0.0.0.0' || h === '[::]' || h === '::' || h === '';
    const name = (address: string) => {
      const h = hostOf(address);
      return wildcard(h) ? `${asked ?? '127.0.0.1'}:${portOf(address)}` : address;
    };
    const http = this.httpAddress === undefined ? (req?.get('host') ?? 'localhost') : name(this.httpAddress);
    return {
      http: `http://${http}`,
      ...(this.grpcAddress !== undefined && { grpc: name(this.grpcAddress) }),
    };
  }

  /** The handler of workflow `name` (made on first use), or undefined when it is not registered. */
  async agent(name: string): Promise<WorkflowAgent | undefined> {
    return (await this.servedFor(name))?.agent;
  }

  private async servedFor(name: string): Promise<Served | undefined> {
    if ((await this.workflows.latest(name)) === undefined) return undefined;
    let s = this.served.get(name);
    if (s === undefined) {
      const agent = new WorkflowAgent(name, {
        ...this.deps,
        workflows: this.workflows,
        servedAt: () => this.servedAt(),
      });
      const options = {
        requestHandler: agent,
        userBuilder: UserBuilder.noAuthentication,
        legacyCompat: { enabled: true },
      };
      s = { agent, jsonRpc: jsonRpcHandler(options), rest: restHandler(options) };
      this.served.set(name, s);
    }
    return s;
  }

  /** The router to mount at /a2a. */
  router(): Router {
    const router = express.Router();
    router.get(
      '/',
      this.safe(async (req, res) => {
        const cards = [];
        for (const name of await this.workflows.names()) {
          const agent = await this.agent(name);
          if (agent !== undefined) cards.push(AgentCard.toJSON(await agent.cardAt(this.servedAt(req))));
        }
        res.json({ agents: cards });
      }),
    );
    // Everything under /a2a/NAME is for a registered workflow: a 404 before any body is read otherwise.
    router.use(
      '/:name',
      this.safe(async (req, res, next) => {
        const name = String(req.params.name);
        const s = await this.servedFor(name);
        if (s === undefined) return notRegistered(res, name);
        (res.locals as Locals).served = s;
        next();
      }),
    );
    // `use`, not `get`: the SDK's card router answers at its own root.
    router.use('/:name/.well-known/agent-card.json', (req, res, next) => {
      const { agent } = (res.locals as Locals).served;
      const at = this.servedAt(req);
      agentCardHandler({
        agentCardProvider: () => agent.cardAt(at),
        cache: { maxAge: 10 },
        legacyCompat: { enabled: true },
      })(req, res, next);
    });
    router.use(
      '/:name/rest',
      this.callSignal,
      express.json({ limit: A2A_BODY_LIMIT_BYTES, type: JSON_TYPES, strict: false }),
      restBodyError,
      restSendShape,
      toServed('rest'),
    );
    router.post(
      '/:name',
      this.callSignal,
      // A body without a Content-Type is read as JSON too (the SDK's binding accepts it).
      express.json({ limit: A2A_BODY_LIMIT_BYTES, type: (req) => jsonRpcBody(req.headers['content-type']) }),
      jsonRpcBodyError,
      jsonRpcEnvelope,
    );
    // `use`: the SDK's JSON-RPC router answers POST at its own root.
    router.use('/:name', toServed('jsonRpc'));
    return router;
  }

  /** Gives the request a call id whose signal fires when its connection closes (call-signals.ts). */
  private readonly callSignal: RequestHandler = (req, res, next) => {
    const call = openCall();
    req.headers[CALL_HEADER] = call.id;
    res.once('close', call.end);
    next();
  };

  private safe(
    f: (req: Request, res: express.Response, next: express.NextFunction) => Promise<void>,
  ): RequestHandler {
    return (req, res, next) => {
      f(req, res, next).catch((e: unknown) => {
        fault('a2a', `${req.method} ${req.originalUrl}`, e);
        next(e);
      });
    };
  }
}

function notRegistered(res: express.Response, name: string): void {
  res.status(404).json({
    error: {
      code: 'BATON_E_WORKFLOW_NOT_FOUND',
      message: `no workflow named ${JSON.stringify(name)} is registered: GET /a2a lists the agents served here`,
    },
  });
}

const tooLarge = (err: unknown) => (err as { type?: string }).type === 'entity.too.large';
const badJson = (err: unknown) => (err as { type?: string }).type === 'entity.parse.failed';

/** A body the JSON-RPC binding cannot read: -32700 for bad JSON, -32600 (with HTTP 413) past the limit. */
const jsonRpcBodyError: ErrorRequestHandler = (err, _req, res, next) => {
  if (badJson(err))
    return void res
      .status(200)
      .json({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Invalid JSON payload.' } });
  if (tooLarge(err))
    return void res.status(413).json({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: `the request body is larger than ${A2A_BODY_LIMIT_BYTES} bytes` },
    });
  next(err);
};

const jsonRpcBody = (type: string | undefined): boolean =>
  type === undefined || JSON_TYPES.includes(type.split(';', 1)[0]!.trim().toLowerCase());

/**
 * A body that is not a JSON-RPC 2.0 Request object gets -32600 (spec §9.5): the SDK's binding answers
 * it with -32602, which the spec keeps for invalid params. Batches are not part of A2A: -32600 too.
 */
const jsonRpcEnvelope: RequestHandler = (req, res, next) => {
  const body: unknown = req.body;
  const r =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined;
  const id = r?.id;
  const idOk = id === undefined || id === null || typeof id === 'string' || Number.isInteger(id);
  if (r !== undefined && r.jsonrpc === '2.0' && idOk && typeof r.method === 'string' && r.method !== '') {
    // Params of the wrong JSON types are the caller's mistake (-32602 naming the field), never -32603.
    const shape = paramsShape(r.method);
    const problem = shape && (r.params !== undefined || hasRequired(shape)) && checkShape(shape, r.params);
    if (!problem) return next();
    return void res.status(200).json({
      jsonrpc: '2.0',
      id: id ?? null,
      error: { code: -32602, message: `Invalid params of ${r.method}: ${problem}` },
    });
  }
  const problem =
    r === undefined
      ? 'the body is not a JSON-RPC request object'
      : r.jsonrpc !== '2.0'
        ? 'jsonrpc must be "2.0"'
        : !idOk
          ? 'id must be a string, an integer or null'
          : 'method is required';
  res.status(200).json({
    jsonrpc: '2.0',
    id: idOk && r !== undefined ? (id ?? null) : null,
    error: { code: -32600, message: `Request payload validation error: ${problem}` },
  });
};

const hasRequired = (shape: object): boolean =>
  Object.values(shape).some((f) => (f as { required?: boolean }).required === true);

/** A send body (`/message:send`, `/message:stream`; v0.3's under /v1) of the wrong JSON types: 400. */
const restSendShape: RequestHandler = (req, res, next) => {
  if (req.method !== 'POST' || !/^(\/v1)?\/message:(send|stream)$/.test(req.path)) return next();
  const problem =
    req.body === undefined
      ? 'the body must be a JSON object sent as application/json'
      : checkShape(sendBodyShape(req.path.startsWith('/v1/')), req.body, '', 'the body');
  if (!problem) return next();
  res.status(400).json({
    error: {
      code: 400,
      status: 'INVALID_ARGUMENT',
      message: `Invalid request body: ${problem}`,
      details: [],
    },
  });
};

/** The HTTP+JSON binding's error body (google.rpc.Status as JSON) for a body it cannot read. */
const restBodyError: ErrorRequestHandler = (err, _req, res, next) => {
  if (badJson(err) || tooLarge(err)) {
    const status = tooLarge(err) ? 413 : 400;
    return void res.status(status).json({
      error: {
        code: status,
        status: tooLarge(err) ? 'RESOURCE_EXHAUSTED' : 'INVALID_ARGUMENT',
        message: tooLarge(err)
          ? `the request body is larger than ${A2A_BODY_LIMIT_BYTES} bytes`
          : 'Invalid JSON payload.',
        details: [],
      },
    });
  }
  next(err);
};
