// Agent cards of remote A2A agents: fetched from URL/.well-known/agent-card.json (or from URL itself when
// it names a .json file), parsed as A2A v1.0 JSON, and cached per URL with the server's ETag and
// max-age (spec §8.6): a fresh card is used as it is, a stale one is revalidated with If-None-Match.

import { A2A_PROTOCOL_VERSION, A2A_VERSION_HEADER, AGENT_CARD_PATH, AgentCard } from '@a2a-js/sdk';
import { BatonError } from '../../errors/registry.js';
import { fault } from '../../telemetry/faults.js';

/** Where the card of an `endpoint: { a2a: URL }` is: URL itself when it ends in .json, else its well-known path. */
export function cardUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.pathname.endsWith('.json')) return url.href;
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${AGENT_CARD_PATH}`;
  return url.href;
}

export interface CardCacheOptions {
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  /** How long a card the server gave no max-age for is used before it is revalidated (default 60 s). */
  readonly defaultMaxAgeMs?: number;
  /** Bound on one card request (default 10 s). */
  readonly timeoutMs?: number;
}

interface Cached {
  readonly card: AgentCard;
  readonly etag: string | undefined;
  readonly freshUntil: number;
}

/** Cards by URL, shared by every run of the process (one per agent endpoint). */
export class AgentCardCache {
  private readonly cards = new Map<string, Cached>();
  private readonly pending = new Map<string, Promise<AgentCard>>();
  private readonly fetch: typeof fetch;
  private readonly now: () => number;

  constructor(private readonly opts: CardCacheOptions = {}) {
    this.fetch = opts.fetch ?? ((...args) => fetch(...args));
    this.now = opts.now ?? Date.now;
  }

  /**
   * The card of the agent at `endpoint` (concurrent callers share one request).
   * @throws BatonError BATON_E_AGENT_CARD_UNREACHABLE (network, timeout, 408/429/5xx: retryable) or
   * BATON_E_AGENT_CARD_INVALID (any other HTTP error, not JSON, not a card).
   */
  get(endpoint: string): Promise<AgentCard> {
    const url = cardUrl(endpoint);
    const cached = this.cards.get(url);
    if (cached !== undefined && cached.freshUntil > this.now()) return Promise.resolve(cached.card);
    let request = this.pending.get(url);
    if (request === undefined) {
      request = this.load(url, cached).finally(() => this.pending.delete(url));
      this.pending.set(url, request);
    }
    return request;
  }

  private async load(url: string, cached: Cached | undefined): Promise<AgentCard> {
    const headers: Record<string, string> = {
      [A2A_VERSION_HEADER]: A2A_PROTOCOL_VERSION,
      Accept: 'application/json',
    };
    if (cached?.etag !== undefined) headers['If-None-Match'] = cached.etag;
    let res: Response;
    try {
      res = await this.fetch(url, { headers, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000) });
    } catch (e) {
      throw new BatonError('BATON_E_AGENT_CARD_UNREACHABLE', `agent card ${url}: ${reason(e)}`, { cause: e });
    }
    if (res.status === 304 && cached !== undefined) {
      this.cards.set(url, { ...cached, freshUntil: this.now() + this.maxAge(res) });
      return cached.card;
    }
    if (!res.ok) {
      const transient = res.status >= 500 || res.status === 408 || res.status === 429;
      const body = (
        await res.text().catch((e: unknown) => {
          fault('a2a', `reading the body of ${res.status} from ${res.url}`, e);
          return '';
        })
      ).slice(0, 200);
      throw new BatonError(
        transient ? 'BATON_E_AGENT_CARD_UNREACHABLE' : 'BATON_E_AGENT_CARD_INVALID',
        `agent card ${url}: HTTP ${res.status}${body === '' ? '' : ` (${body})`}`,
      );
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch (e) {
      throw new BatonError('BATON_E_AGENT_CARD_INVALID', `agent card ${url} is not JSON: ${reason(e)}`);
    }
    const card = parseCard(json, url);
    this.cards.set(url, {
      card,
      etag: res.headers.get('etag') ?? undefined,
      freshUntil: this.now() + this.maxAge(res),
    });
    return card;
  }

  private maxAge(res: Response): number {
    const m = /(?:^|,)\s*max-age=(\d+)/i.exec(res.headers.get('cache-control') ?? '');
    return m ? Number(m[1]) * 1000 : (this.opts.defaultMaxAgeMs ?? 60_000);
  }
}

/**
 * An A2A v1.0 agent card from its JSON. Checks what Baton relies on: a name and at least one interface
 * with a URL and a protocol binding.
 * @throws BatonError BATON_E_AGENT_CARD_INVALID naming what is missing.
 */
export function parseCard(json: unknown, where: string): AgentCard {
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new BatonError('BATON_E_AGENT_CARD_INVALID', `agent card ${where} is not a JSON object`);
  const card = AgentCard.fromJSON(sdkShapesAsJson(json as Record<string, unknown>));
  const problems: string[] = [];
  if (card.name === '') problems.push('it has no name');
  if (card.supportedInterfaces.length === 0) problems.push('it lists no supportedInterfaces');
  card.supportedInterfaces.forEach((i, n) => {
    if (i.url === '' || i.protocolBinding === '')
      problems.push(`supportedInterfaces[${n}] needs a url and a protocolBinding`);
  });
  if (problems.length > 0)
    throw new BatonError('BATON_E_AGENT_CARD_INVALID', `agent card ${where}: ${problems.join('; ')}`);
  return card;
}

/**
 * Agents built with @a2a-js/sdk 1.3.0 serve their card as the SDK holds it, so a security scheme's oneof
 * arrives as `{ scheme: { $case, value } }` rather than the spec's `{ httpAuthSecurityScheme: {...} }`:
 * read both.
 */
function sdkShapesAsJson(json: Record<string, unknown>): Record<string, unknown> {
  const schemes = json.securitySchemes;
  if (schemes === null || typeof schemes !== 'object') return json;
  const fixed: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(schemes as Record<string, unknown>)) {
    const oneof = (s as { scheme?: { $case?: unknown; value?: unknown } } | null)?.scheme;
    fixed[name] = typeof oneof?.$case === 'string' ? { [oneof.$case]: oneof.value } : s;
  }
  return { ...json, securitySchemes: fixed };
}

function reason(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  if (e.name === 'TimeoutError') return 'timed out';
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? e.message;
}
