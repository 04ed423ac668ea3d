// Store.watch() on PostgreSQL: one dedicated connection LISTENs on the schema's channel (announce.ts and
// the POST_INBOX statement pg_notify it, delivered on commit, from every instance). Our own commits are told
// at once by the store itself, so notifications sent by this store's own pooled connections are dropped
// here. A lost connection is re-established with backoff; what was committed meanwhile is not replayed
// (watchers keep a polling backstop), and each loss is logged and counted.

import pg from 'pg';
import type { InboxMessage, StoreChange } from '../store.js';
import type { StoreWatchers } from '../store-watchers.js';
import { logged } from './db.js';
import { channelOf } from './statements.js';

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

export class ChangeFeed {
  #client: pg.Client | undefined;
  #closed = false;
  #retryMs = RETRY_MIN_MS;
  #timer: NodeJS.Timeout | undefined;
  /** Connections lost (and re-established) since open. */
  reconnects = 0;

  constructor(
    private readonly config: pg.ClientConfig,
    /** Backend pids of this store's pooled connections: their notifications were already told. */
    private readonly ownPids: ReadonlySet<number>,
    private readonly listeners: StoreWatchers,
  ) {}

  /** Connects and LISTENs; rejects when the first connection fails (the store does not open then). */
  async start(): Promise<void> {
    await this.#connect();
  }

  async #connect(): Promise<void> {
    const client = new pg.Client(this.config);
    client.on('notification', (m) => this.#notified(m));
    client.on('error', (e) => this.#lost(client, e));
    client.on('end', () => this.#lost(client, new Error('connection ended')));
    try {
      await client.connect();
      const schema = (await client.query<{ s: string | null }>('SELECT current_schema() AS s')).rows[0]?.s;
      if (!schema)
        throw new Error('no schema of the search_path exists, so there is no channel to LISTEN on');
      await client.query(`LISTEN ${client.escapeIdentifier(channelOf(schema))}`);
    } catch (e) {
      client.removeAllListeners('end');
      await client.end().catch(logged('closing a change feed connection that failed to open'));
      throw e;
    }
    if (this.#closed) {
      await client.end();
      return;
    }
    this.#client = client;
    this.#retryMs = RETRY_MIN_MS;
  }

  /**
   * Payloads: ["journal", ns, [run ids]] (one per namespace and chunk of a commit), ["inbox", ns, run id],
   * and a worker's result with its message: ["inbox", ns, run id, {id, kind, payload, at}].
   */
  #notified(m: pg.Notification): void {
    if (this.ownPids.has(m.processId) || m.payload === undefined) return;
    let changes: StoreChange[];
    try {
      const [kind, ns, runs, sent] = JSON.parse(m.payload) as [
        StoreChange['kind'],
        string,
        string | string[],
        unknown,
      ];
      const message = typeof runs === 'string' ? sentMessage(runs, sent) : undefined;
      changes = (Array.isArray(runs) ? runs : [runs]).map((runId) =>
        message ? { kind, ns, runId, message } : { kind, ns, runId },
      );
    } catch (e) {
      console.warn(
        `[postgres store] ignored a notification on ${m.channel} that is not Baton's: ${m.payload}`,
        e,
      );
      return;
    }
    for (const change of changes) this.listeners.notify(change);
  }

  #lost(client: pg.Client, e: Error): void {
    if (this.#client !== client) return; // an old connection's last words
    this.#client = undefined;
    client.removeAllListeners();
    client.on('error', () => undefined); // a dying socket may still report; it is already handled here
    void client.end().catch(logged('closing a lost change feed connection'));
    if (this.#closed) return;
    this.reconnects++;
    console.warn(`[postgres store] change feed lost its connection (${e.message}); reconnecting`);
    this.#schedule();
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#connect().catch((e: unknown) => {
        console.warn(
          `[postgres store] change feed could not reconnect (${(e as Error).message}); retrying in ${this.#retryMs} ms`,
        );
        this.#retryMs = Math.min(RETRY_MAX_MS, this.#retryMs * 2);
        if (!this.#closed) this.#schedule();
      });
    }, this.#retryMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => undefined); // closing: a last socket error changes nothing
      await client.end().catch((e: unknown) => console.warn('[postgres store] closing the change feed:', e));
    }
  }
}

/** The inbox message a notification carries (postResult's), if it is a well-formed one. */
function sentMessage(runId: string, sent: unknown): InboxMessage | undefined {
  if (typeof sent !== 'object' || sent === null) return undefined;
  const m = sent as { id?: unknown; kind?: unknown; payload?: unknown; at?: unknown };
  if (!Number.isSafeInteger(m.id) || typeof m.kind !== 'string' || typeof m.at !== 'number') return undefined;
  return { id: m.id as number, runId, kind: m.kind, payload: m.payload, at: m.at };
}
