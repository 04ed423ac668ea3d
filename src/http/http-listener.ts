// The one HTTP listener of `baton serve` (`--http HOST:PORT`): the A2A edge (/a2a), Prometheus metrics
// (/metrics) and the web UI (/) mount on it; the gRPC API keeps its own port. Built on express 5 (the
// A2A SDK's server transport is an express router). Every answer it gives itself is JSON: an unknown
// path is a coded 404, an error a mounted handler throws is a coded 500 that names no internals, and
// the process never crashes on a request.

import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Router } from 'express';
import { BatonError } from '../errors/registry.js';
import { fault } from '../telemetry/faults.js';

/** Something mounted under a path prefix: an express router or a plain handler. */
export type HttpHandler = Router | RequestHandler;

/** An error body of the listener's own (mounted routers answer in their protocol's shape). */
export interface HttpErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

/**
 * How long a request body may stop arriving before the request is answered 408: a client that sends
 * fewer bytes than its Content-Length and keeps the connection open would otherwise hold it forever.
 */
export const BODY_IDLE_MS = 3_000;

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

/**
 * Routes are mounted before `listen`; what is mounted answers from the first request on. Mount order is
 * match order, so mount the most specific prefixes first and the UI's `/` last.
 */
export class HttpListener {
  readonly app: Express;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly mounted: string[] = [];
  private sealed = false;

  constructor() {
    this.app = express();
    this.app.disable('x-powered-by');
    // Behind a proxy the client's address is the proxy's; nothing here trusts X-Forwarded-*.
    this.app.set('trust proxy', false);
    this.app.use(bodyDeadline(BODY_IDLE_MS));
  }

  /** Mounts `handler` under `prefix` (e.g. "/a2a", "/metrics", "/"). */
  mount(prefix: string, handler: HttpHandler): void {
    if (this.sealed) throw new Error(`HttpListener: cannot mount ${prefix} after listen`);
    if (!prefix.startsWith('/')) throw new Error(`HttpListener: a mount prefix starts with "/": ${prefix}`);
    this.app.use(prefix, handler);
    this.mounted.push(prefix);
  }

  /** The prefixes mounted so far, in order. */
  get prefixes(): readonly string[] {
    return this.mounted;
  }

  /**
   * Binds `address` (HOST:PORT; port 0 picks one) and resolves to the bound port.
   * @throws BatonError BATON_E_ADDRESS_IN_USE naming the address, or BATON_E_LISTEN_FAILED.
   */
  async listen(address: string): Promise<number> {
    const m = HOST_PORT.exec(address);
    if (m === null)
      throw new BatonError('BATON_E_LISTEN_FAILED', `cannot listen on ${address}: expected HOST:PORT`);
    this.seal();
    const host = m[1]!.replace(/^\[|\]$/g, '');
    const server = createServer(this.app);
    // A slow or idle client cannot hold a socket forever.
    server.headersTimeout = 30_000;
    server.requestTimeout = 0; // streams (SSE) stay open as long as the client reads
    server.keepAliveTimeout = 5_000;
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      fault('http', 'client error', err);
      if (socket.writable) socket.end(clientErrorAnswer(err));
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException) => {
        server.off('listening', onListening);
        reject(
          e.code === 'EADDRINUSE'
            ? new BatonError(
                'BATON_E_ADDRESS_IN_USE',
                `cannot listen on ${address}: the address is in use (another baton serve?); choose another with --http HOST:PORT`,
                { cause: e },
              )
            : new BatonError('BATON_E_LISTEN_FAILED', `cannot listen on ${address}: ${e.message}`, {
                cause: e,
              }),
        );
      };
      const onListening = () => {
        server.off('error', onError);
        resolve();
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(Number(m[2]), host);
    });
    server.on('error', (e) => fault('http', 'server error', e));
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  /** Stops accepting, lets requests in flight finish for `graceMs`, then cuts what is left (streams). */
  async close(graceMs = 2_000): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => {
      for (const s of this.sockets) s.destroy();
    }, graceMs);
    timer.unref();
    await closed;
    clearTimeout(timer);
  }

  /** After the mounts: a coded 404 for every other path and a coded 500 for a handler's error. */
  private seal(): void {
    if (this.sealed) return;
    this.sealed = true;
    this.app.use(notFound);
    this.app.use(onError);
  }
}

/** The raw answer to a request Node's HTTP parser refused (bad request line or headers, headers too slow). */
function clientErrorAnswer(err: NodeJS.ErrnoException): string {
  const [status, reason, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'the request headers are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'the request headers did not arrive in time']
        : err.code === 'HPE_INVALID_EOF_STATE'
          ? [400, 'Bad Request', 'the connection ended before the request did (a truncated body)']
          : [400, 'Bad Request', `the request is not valid HTTP/1.1 (${err.code ?? err.message})`];
  const body = JSON.stringify({
    error: { code: status === 408 ? 'BATON_E_HTTP_BODY_TIMEOUT' : 'BATON_E_HTTP_BAD_REQUEST', message },
  } satisfies HttpErrorBody);
  return (
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

/**
 * Answers 408 BATON_E_HTTP_BODY_TIMEOUT when a request's body stops arriving for `idleMs` (the socket
 * reads nothing more while the request is incomplete), then closes the connection. It watches the
 * socket's byte count rather than setting a socket timeout, which Node's keep-alive handling owns.
 */
function bodyDeadline(idleMs: number): RequestHandler {
  const tick = Math.max(50, Math.floor(idleMs / 4));
  return (req, res, next) => {
    if (req.complete) return next();
    const socket = req.socket;
    let seen = socket.bytesRead;
    let idleSince = Date.now();
    const timer = setInterval(() => {
      if (req.complete || res.writableEnded) return stop();
      if (socket.bytesRead !== seen) {
        seen = socket.bytesRead;
        idleSince = Date.now();
        return;
      }
      if (Date.now() - idleSince < idleMs) return;
      stop();
      if (res.headersSent) return void socket.destroy();
      const expected = req.get('content-length');
      const body: HttpErrorBody = {
        error: {
          code: 'BATON_E_HTTP_BODY_TIMEOUT',
          message: `the request body stopped arriving: nothing came for ${idleMs} ms${expected === undefined ? '' : ` (Content-Length says ${expected} bytes)`}; send the whole body`,
        },
      };
      res.status(408).set('connection', 'close').json(body);
      res.once('finish', () => socket.destroy());
    }, tick);
    timer.unref();
    const stop = () => clearInterval(timer);
    req.once('end', stop);
    res.once('close', stop);
    next();
  };
}

const notFound: RequestHandler = (req, res) => {
  const body: HttpErrorBody = {
    error: { code: 'BATON_E_HTTP_NOT_FOUND', message: `no such path: ${req.method} ${req.path}` },
  };
  res.status(404).json(body);
};

const onError: ErrorRequestHandler = (err: unknown, req, res, _next) => {
  // express's body parsers tag their errors with a status (400 bad JSON, 413 too large, 415 ...).
  const status =
    typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : 500;
  if (status >= 500) fault('http', `${req.method} ${req.path}`, err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const code =
    err instanceof BatonError
      ? err.code
      : status === 413
        ? 'BATON_E_HTTP_TOO_LARGE'
        : status >= 500
          ? 'BATON_E_HTTP_INTERNAL'
          : 'BATON_E_HTTP_BAD_REQUEST';
  const { limit, length } = err as { limit?: unknown; length?: unknown };
  const message =
    status >= 500 && !(err instanceof BatonError)
      ? `the request failed inside Baton (${req.method} ${req.path}); the server log has the cause`
      : status === 413 && typeof limit === 'number'
        ? `the request body${typeof length === 'number' ? ` is ${length} bytes;` : ' is larger than'} ${req.method} ${req.path} takes at most ${limit} bytes`
        : (err as Error).message;
  const body: HttpErrorBody = { error: { code, message } };
  res.status(status).json(body);
};
