// Connections to remote A2A agents, one per agent endpoint and credential, shared by every run of the
// process: the agent's card (cached with its ETag), an @a2a-js/sdk client over the first interface of
// the card Baton speaks, and the authentication the card's security schemes ask for. The client's fetch
// is Baton's: it adds the credential and turns 401/403, 408/429 and 5xx into HttpStatusError, so a
// failure is classified by status, never by parsing a message.

import type { AgentCard } from '@a2a-js/sdk';
import {
  ClientFactory,
  JsonRpcTransportFactory,
  RestTransportFactory,
  type Client,
} from '@a2a-js/sdk/client';
import { BatonError } from '../../errors/registry.js';
import { AgentCardCache, cardUrl } from './card.js';
import { cardProblems, inputShape, usableInterfaces, type InputShape } from './card-offer.js';
import { A2ACredentials, authFor, type AuthPlacement } from './credentials.js';
import { HttpStatusError, intercepted, retryAfterMs } from './failures.js';
import { traceHeaders, tracingOn } from '../../telemetry/tracing.js';
import { fault } from '../../telemetry/faults.js';

export interface A2AConnection {
  readonly card: AgentCard;
  readonly client: Client;
  /** The card says the agent streams: SendStreamingMessage and SubscribeToTask, else polling. */
  readonly streaming: boolean;
  readonly shape: InputShape;
  /** `agent "researcher" (http://host/a2a)`, for messages. */
  readonly who: string;
}

export interface A2AConnectionOptions {
  readonly cards?: AgentCardCache;
  readonly credentials?: A2ACredentials;
  readonly fetch?: typeof fetch;
}

export class A2AConnections {
  readonly cards: AgentCardCache;
  readonly credentials: A2ACredentials;
  private readonly fetch: typeof fetch;
  private readonly open = new Map<string, { card: AgentCard; conn: Promise<A2AConnection> }>();

  constructor(opts: A2AConnectionOptions = {}) {
    this.fetch = opts.fetch ?? ((...args) => fetch(...args));
    this.cards = opts.cards ?? new AgentCardCache({ fetch: this.fetch });
    this.credentials = opts.credentials ?? new A2ACredentials();
  }

  /**
   * The connection to agent `agentId` at `endpoint`, built again only when its card changed.
   * @throws BatonError BATON_E_AGENT_CARD_UNREACHABLE (retryable), BATON_E_AGENT_CARD_INVALID, or
   * BATON_E_A2A_AUTH_REQUIRED (no credential for what the card requires).
   */
  async connect(agentId: string, endpoint: string, credential?: string): Promise<A2AConnection> {
    const card = await this.cards.get(endpoint);
    const key = `${agentId}\n${endpoint}\n${credential ?? ''}`;
    const known = this.open.get(key);
    if (known !== undefined && known.card === card) return known.conn;
    const conn = this.build(agentId, endpoint, card, credential);
    this.open.set(key, { card, conn });
    // A failed build is not kept: the next attempt tries again (the card or the secret may be fixed).
    conn.catch((e: unknown) => {
      if (this.open.get(key)?.conn === conn) this.open.delete(key);
      fault('a2a', `connecting to agent ${agentId} at ${endpoint}`, e);
    });
    return conn;
  }

  private async build(
    agentId: string,
    endpoint: string,
    card: AgentCard,
    credential?: string,
  ): Promise<A2AConnection> {
    const who = `agent "${agentId}" (${endpoint})`;
    const problems = cardProblems(card);
    if (problems.length > 0)
      throw new BatonError(
        'BATON_E_AGENT_CARD_INVALID',
        `${who}: the card at ${cardUrl(endpoint)}: ${problems.join('; ')}`,
      );
    const names = credential === undefined ? [agentId] : [credential];
    const found = this.credentials.find(names);
    const auth = authFor(card, found, credential !== undefined);
    if (!auth.ok)
      throw new BatonError(
        'BATON_E_A2A_AUTH_REQUIRED',
        `${who}: ${auth.why}; ${this.credentials.whereTo(names[0]!)}`,
      );
    const fetchImpl = authedFetch(this.fetch, auth.auth);
    const factory = new ClientFactory({
      transports: [new JsonRpcTransportFactory({ fetchImpl }), new RestTransportFactory({ fetchImpl })],
    });
    const client = await factory.createFromAgentCard({
      ...card,
      supportedInterfaces: usableInterfaces(card),
    });
    return { card, client, streaming: card.capabilities?.streaming === true, shape: inputShape(card)!, who };
  }
}

/** A fetch that carries the credential and throws HttpStatusError for the statuses a client must not parse. */
export function authedFetch(base: typeof fetch, auth: AuthPlacement): typeof fetch {
  const hasQuery = Object.keys(auth.query).length > 0;
  return async (input, init) => {
    let url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (hasQuery) {
      const u = new URL(url);
      for (const [k, v] of Object.entries(auth.query)) u.searchParams.set(k, v);
      url = u.href;
    }
    const headers = new Headers(init?.headers);
    for (const [k, v] of Object.entries(auth.headers)) if (!headers.has(k)) headers.set(k, v);
    // The attempt's span (the active context) goes on to the agent: W3C traceparent/tracestate.
    if (tracingOn()) for (const [k, v] of Object.entries(traceHeaders())) headers.set(k, v);
    const res = await base(url, { ...init, headers });
    if (!intercepted(res.status)) return res;
    const body = await res.text().catch((e: unknown) => {
      fault('a2a', `reading the body of ${res.status} from ${res.url}`, e);
      return '';
    });
    throw new HttpStatusError(
      res.status,
      url.split('?')[0]!,
      body,
      retryAfterMs(res.headers.get('retry-after')),
    );
  };
}
