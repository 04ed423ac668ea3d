// The body of one sandbox worker thread: it instantiates plugins with Extism in foreground mode (no
// WASI, no host functions but Extism's log), runs one call at a time and resets the instance after
// each call (Extism fails on call 8192 of an instance that is never reset); an instance that trapped
// is dropped and the next call gets a fresh one. If a call never returns,
// the pool terminates this whole thread: that is the sandbox's only way to stop a runaway guest.

import createPlugin, { type Plugin } from '@extism/extism';
import { parentPort } from 'node:worker_threads';
import type { WorkerReply, WorkerRequest } from './sandbox-protocol.js';

const port = parentPort!;
const plugins = new Map<string, Plugin>();

const forward =
  (sha: string, level: string) =>
  (...args: unknown[]): void =>
    port.postMessage({ type: 'log', sha, level, message: args.map(String).join(' ') } satisfies WorkerReply);

async function instantiate(sha: string, bytes: Uint8Array): Promise<Plugin> {
  const logger = {
    trace: forward(sha, 'trace'),
    debug: forward(sha, 'debug'),
    info: forward(sha, 'info'),
    warn: forward(sha, 'warn'),
    error: forward(sha, 'error'),
  } as unknown as Console;
  return createPlugin(
    { wasm: [{ data: bytes }] },
    { useWasi: false, runInWorker: false, logger, logLevel: 'info' },
  );
}

/** Bytes by sha, kept to instantiate a plugin afresh after a trap. */
const sources = new Map<string, Uint8Array>();

async function reload(sha: string): Promise<Plugin> {
  const plugin = await instantiate(sha, sources.get(sha)!);
  plugins.set(sha, plugin);
  return plugin;
}

async function handle(m: WorkerRequest): Promise<WorkerReply> {
  if (m.type === 'load') {
    sources.set(m.sha, m.bytes);
    if (!plugins.has(m.sha)) plugins.set(m.sha, await instantiate(m.sha, m.bytes));
    return { type: 'done', id: m.id, ok: true, output: '' };
  }
  const plugin = plugins.get(m.sha) ?? (await reload(m.sha));
  let bytes: Uint8Array;
  try {
    bytes = (await plugin.call(m.export, m.input))?.bytes() ?? new Uint8Array();
    await plugin.reset();
  } catch (e) {
    // A trapped guest's memory and globals are whatever the trap left: never call that instance again.
    plugins.delete(m.sha);
    await plugin.close();
    return { type: 'done', id: m.id, ok: false, kind: 'trap', message: (e as Error).message ?? String(e) };
  }
  if (bytes.length > m.maxOutput) {
    return { type: 'done', id: m.id, ok: false, kind: 'output', message: `${bytes.length} bytes` };
  }
  return { type: 'done', id: m.id, ok: true, output: new TextDecoder().decode(bytes) };
}

port.on('message', (m: WorkerRequest) => {
  void handle(m).then(
    (reply) => port.postMessage(reply),
    (e: unknown) =>
      port.postMessage({
        type: 'done',
        id: m.id,
        ok: false,
        kind: 'trap',
        message: String(e),
      } satisfies WorkerReply),
  );
});
