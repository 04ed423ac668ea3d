#!/usr/bin/env node
// A webhook receiver for notification hooks: prints one line per event it gets, after checking the
// HMAC-SHA256 signature Baton sends (X-Baton-Signature-256: sha256=<hex> of the body) when
// BATON_HOOK_SECRET is set on both sides. Answers 204 (an empty answer allows).
//   node examples/hooks/notify-receiver.js 8787
//   hooks: [{ name: notify, trigger: notification, command: "http://127.0.0.1:8787/baton" }]

import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

/** @param {string} s @returns {unknown} */
function parseJson(s) {
  return JSON.parse(s);
}

const port = Number(process.argv[2] ?? 8787);
const secret = process.env.BATON_HOOK_SECRET;

const server = createServer((req, res) => {
  /** @type {Buffer[]} */
  const chunks = [];
  req.on('data', (/** @type {Buffer} */ c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if (secret !== undefined) {
      const want = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
      const got = Buffer.from(String(req.headers['x-baton-signature-256'] ?? ''));
      if (got.length !== want.length || !timingSafeEqual(got, want)) {
        res.writeHead(401).end();
        return;
      }
    }
    const inv = /** @type {{ runId: string, context?: { event?: unknown, type?: unknown } }} */ (
      parseJson(body.toString('utf8'))
    );
    const what = inv.context?.event ?? inv.context?.type ?? 'event';
    console.log(
      `${new Date().toISOString()} ${inv.runId} ${JSON.stringify(what)} ${JSON.stringify(inv.context)}`,
    );
    res.writeHead(204).end();
  });
});
server.listen(port, '127.0.0.1', () => {
  const bound = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  console.log(`listening on http://127.0.0.1:${bound}/baton`);
});
