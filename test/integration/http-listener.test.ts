// The HTTP listener on its own: mounted routes answer, everything else is a coded JSON error, a taken
// port is BATON_E_ADDRESS_IN_USE, close() ends open streams, and a truncated body never holds a request.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import express from 'express';
import { BODY_IDLE_MS, HttpListener } from '../../src/http/http-listener.js';
import { BatonError } from '../../src/errors/registry.js';

const open: HttpListener[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.close(0)));
});

async function start(setup: (l: HttpListener) => void): Promise<string> {
  const l = new HttpListener();
  open.push(l);
  setup(l);
  const port = await l.listen('127.0.0.1:0');
  return `http://127.0.0.1:${port}`;
}

describe('HttpListener', () => {
  it('serves mounted routes and answers a coded 404 elsewhere', async () => {
    const base = await start((l) => {
      const r = express.Router();
      r.get('/hello', (_req, res) => res.json({ hi: 1 }));
      l.mount('/x', r);
    });
    expect(await (await fetch(`${base}/x/hello`)).json()).toEqual({ hi: 1 });
    const miss = await fetch(`${base}/nope`);
    expect(miss.status).toBe(404);
    expect(await miss.json()).toEqual({
      error: { code: 'BATON_E_HTTP_NOT_FOUND', message: 'no such path: GET /nope' },
    });
  });

  it('turns a handler error into a coded 500 without leaking it, and bad JSON into a 400', async () => {
    const base = await start((l) => {
      l.mount('/boom', () => {
        throw new Error('secret internals');
      });
      const r = express.Router();
      r.post('/echo', express.json({ limit: '1kb' }), (req, res) => res.json(req.body));
      l.mount('/j', r);
    });
    const boom = await fetch(`${base}/boom`);
    expect(boom.status).toBe(500);
    const body = (await boom.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('BATON_E_HTTP_INTERNAL');
    expect(body.error.message).not.toContain('secret');
    const bad = await fetch(`${base}/j/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('BATON_E_HTTP_BAD_REQUEST');
    const big = await fetch(`${base}/j/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ a: 'x'.repeat(5000) }),
    });
    expect(big.status).toBe(413);
    // The refusal names the size and the limit, so the caller knows by how much to shrink it.
    expect(((await big.json()) as { error: { code: string; message: string } }).error).toEqual({
      code: 'BATON_E_HTTP_TOO_LARGE',
      message: 'the request body is 5008 bytes; POST /j/echo takes at most 1024 bytes',
    });
  });

  it('refuses a taken port with BATON_E_ADDRESS_IN_USE naming the address', async () => {
    const base = await start(() => undefined);
    const port = new URL(base).port;
    const second = new HttpListener();
    const err = await second.listen(`127.0.0.1:${port}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BatonError);
    expect((err as BatonError).code).toBe('BATON_E_ADDRESS_IN_USE');
    expect((err as BatonError).message).toContain(`127.0.0.1:${port}`);
  });

  it('close() cuts a stream still open after the grace', async () => {
    const base = await start((l) =>
      l.mount('/stream', (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: 1\n\n');
      }),
    );
    const res = await fetch(`${base}/stream`);
    const reader = res.body!.getReader();
    await reader.read();
    await open.pop()!.close(50);
    const end = await reader.read().catch(() => ({ done: true }));
    expect(end.done).toBe(true);
  });

  /** Writes `raw` on a new connection (ending it when `end`) and resolves with all it reads back. */
  function rawExchange(base: string, raw: string, end: boolean): Promise<{ text: string; ms: number }> {
    const { hostname, port } = new URL(base);
    const t0 = Date.now();
    return new Promise((resolve, reject) => {
      const s = connect(Number(port), hostname, () => {
        s.write(raw);
        if (end) s.end();
      });
      let text = '';
      s.on('data', (d: Buffer) => (text += d.toString()));
      s.on('close', () => resolve({ text, ms: Date.now() - t0 }));
      s.on('error', reject);
    });
  }
  const jsonEcho = (l: HttpListener) => {
    const r = express.Router();
    r.use(express.json());
    r.post('/echo', (req, res) => void res.json(req.body));
    l.mount('/j', r);
  };
  const truncated =
    'POST /j/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":';

  it('a body that stops arriving on an open connection is a coded 408, not a hung request', async () => {
    const base = await start(jsonEcho);
    const { text, ms } = await rawExchange(base, truncated, false);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(text.slice(text.indexOf('{')))).toMatchObject({
      error: {
        code: 'BATON_E_HTTP_BODY_TIMEOUT',
        message: expect.stringMatching(/Content-Length says 100/) as unknown,
      },
    });
    expect(ms).toBeGreaterThanOrEqual(BODY_IDLE_MS - 100);
    expect(ms).toBeLessThan(BODY_IDLE_MS + 2_000);
    // The listener goes on answering.
    expect(
      (
        await fetch(`${base}/j/echo`, {
          method: 'POST',
          body: '{"b":1}',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(200);
  });

  it('a connection that ends mid-body is a coded JSON 400 naming the truncated body', async () => {
    const base = await start(jsonEcho);
    const { text, ms } = await rawExchange(base, truncated, true);
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(text.slice(text.indexOf('{')))).toEqual({
      error: {
        code: 'BATON_E_HTTP_BAD_REQUEST',
        message: expect.stringMatching(/truncated body/) as unknown,
      },
    });
    expect(ms).toBeLessThan(1_000);
  });

  it('a stream idle for longer than the body deadline is not cut (its request was complete)', async () => {
    const base = await start((l) =>
      l.mount('/slow', (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: 1\n\n');
        setTimeout(() => res.end('data: 2\n\n'), BODY_IDLE_MS + 1_000);
      }),
    );
    const res = await fetch(`${base}/slow`);
    expect(await res.text()).toBe('data: 1\n\ndata: 2\n\n');
  }, 15_000);
});
