// Agent cards fetched over real HTTP: cached while fresh, revalidated with their ETag once stale (a 304
// keeps the card), refetched when changed; errors coded by what a user can do about them.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentCardCache, cardUrl } from '../../../src/agents/a2a/index.js';

let server: Server;
let base: string;
const requests: Array<{ url: string; ifNoneMatch: string | undefined }> = [];
let version = 1;
let cacheControl = 'max-age=0';

const card = () => ({
  name: `agent v${version}`,
  supportedInterfaces: [{ url: `${base}/a2a`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
  version: String(version),
  skills: [{ id: 'search', tags: ['web'] }],
});

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    requests.push({ url: req.url ?? '', ifNoneMatch: req.headers['if-none-match'] });
    if (req.url === '/a2a/.well-known/agent-card.json' || req.url === '/cards/mine.json') {
      const etag = `"v${version}"`;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { ETag: etag, 'Cache-Control': cacheControl }).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json', ETag: etag, 'Cache-Control': cacheControl });
      res.end(JSON.stringify(card()));
      return;
    }
    if (req.url === '/busy/.well-known/agent-card.json') return void res.writeHead(503).end('busy');
    if (req.url === '/html/.well-known/agent-card.json') return void res.writeHead(200).end('<html>');
    if (req.url === '/array/.well-known/agent-card.json') return void res.writeHead(200).end('[1]');
    if (req.url === '/empty/.well-known/agent-card.json')
      return void res.writeHead(200).end(JSON.stringify({ supportedInterfaces: [{ url: 'x' }] }));
    res.writeHead(404).end('no such card');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('agent cards', () => {
  it('live at URL/.well-known/agent-card.json, or at URL when it names a .json file', () => {
    expect(cardUrl('https://h.example/a2a/researcher')).toBe(
      'https://h.example/a2a/researcher/.well-known/agent-card.json',
    );
    expect(cardUrl('https://h.example/a2a/')).toBe('https://h.example/a2a/.well-known/agent-card.json');
    expect(cardUrl('https://h.example/cards/r.json')).toBe('https://h.example/cards/r.json');
  });

  it('are used while fresh, revalidated with If-None-Match once stale, and refetched when they changed', async () => {
    let now = 1_000;
    const cards = new AgentCardCache({ now: () => now });
    requests.length = 0;
    cacheControl = 'max-age=60';
    const first = await cards.get(`${base}/a2a`);
    expect(first.name).toBe('agent v1');
    now += 30_000;
    expect(await cards.get(`${base}/a2a`)).toBe(first);
    expect(requests).toHaveLength(1);
    now += 31_000;
    expect(await cards.get(`${base}/a2a`)).toBe(first);
    expect(requests.map((r) => r.ifNoneMatch)).toEqual([undefined, '"v1"']);
    version = 2;
    now += 61_000;
    const changed = await cards.get(`${base}/a2a`);
    expect(changed.name).toBe('agent v2');
    expect(changed.skills[0]).toMatchObject({ id: 'search', tags: ['web'] });
    // Concurrent callers share one request.
    now += 61_000;
    requests.length = 0;
    await Promise.all([
      cards.get(`${base}/a2a`),
      cards.get(`${base}/a2a`),
      cards.get(`${base}/cards/mine.json`),
    ]);
    expect(requests.filter((r) => r.url.startsWith('/a2a'))).toHaveLength(1);
  });

  it('without a max-age are kept for the default time', async () => {
    let now = 0;
    cacheControl = 'no-cache';
    const cards = new AgentCardCache({ now: () => now, defaultMaxAgeMs: 5_000 });
    requests.length = 0;
    await cards.get(`${base}/a2a`);
    now += 4_000;
    await cards.get(`${base}/a2a`);
    expect(requests).toHaveLength(1);
    now += 2_000;
    await cards.get(`${base}/a2a`);
    expect(requests).toHaveLength(2);
  });

  it('that cannot be had are coded: unreachable (retryable) or invalid (naming what is wrong)', async () => {
    const cards = new AgentCardCache();
    await expect(cards.get(`${base}/busy`)).rejects.toMatchObject({
      code: 'BATON_E_AGENT_CARD_UNREACHABLE',
      message: expect.stringContaining('HTTP 503 (busy)') as unknown,
    });
    await expect(cards.get(`${base}/nobody`)).rejects.toMatchObject({
      code: 'BATON_E_AGENT_CARD_INVALID',
      message: expect.stringContaining('HTTP 404') as unknown,
    });
    await expect(cards.get(`${base}/html`)).rejects.toMatchObject({
      code: 'BATON_E_AGENT_CARD_INVALID',
      message: expect.stringContaining('is not JSON') as unknown,
    });
    await expect(cards.get(`${base}/array`)).rejects.toMatchObject({
      message: expect.stringContaining('is not a JSON object') as unknown,
    });
    await expect(cards.get(`${base}/empty`)).rejects.toMatchObject({
      message: expect.stringContaining(
        'it has no name; supportedInterfaces[0] needs a url and a protocolBinding',
      ) as unknown,
    });
    await expect(new AgentCardCache({ timeoutMs: 1 }).get('http://10.255.255.1/a2a')).rejects.toMatchObject({
      code: 'BATON_E_AGENT_CARD_UNREACHABLE',
    });
  });
});
