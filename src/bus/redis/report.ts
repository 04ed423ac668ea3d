// Where the Redis bus reports what goes wrong away from any caller (a lost connection, a failed read, a
// consumer group recreated after Redis came back empty): every such event is counted, and logged.

/** Counts of what the bus recovered from or refused; they only grow. */
export interface RedisBusStats {
  /** Connection errors the client reported (each failed reconnect attempt counts). */
  connectionErrors: number;
  /** Connections that came back after a loss. */
  reconnects: number;
  /** Reads by subscriptions that failed (they retry with backoff). */
  readErrors: number;
  /** Consumer groups created again because Redis lost them (restarted empty, or a key was deleted). */
  groupsRecreated: number;
  /** publish/publishMany calls that failed (the caller got BATON_E_BUS_UNAVAILABLE). */
  publishErrors: number;
  /** ack calls that failed (the caller got BATON_E_BUS_UNAVAILABLE). */
  ackErrors: number;
  /** Read-ahead messages handed back to their group unhandled (at close, or held too long). */
  released: number;
  /** Failures to hand read-ahead messages back (they are claimed after the visibility timeout instead). */
  releaseErrors: number;
  /** Pending messages a claim found deleted from the stream (trimmed by something other than this bus). */
  lostPending: number;
  /** Handlers that threw (reported to onError when given, else logged). */
  handlerErrors: number;
  /** Stream entries this bus did not write (no JSON field `d`): acked and skipped. */
  malformed: number;
  /** Errors thrown by an onError callback. */
  reporterErrors: number;
}

export type Log = (line: string) => void;

export const consoleLog: Log = (line) => console.error(`baton bus.redis: ${line}`);

export class Reporter {
  readonly stats: RedisBusStats = {
    connectionErrors: 0,
    reconnects: 0,
    readErrors: 0,
    groupsRecreated: 0,
    publishErrors: 0,
    ackErrors: 0,
    released: 0,
    releaseErrors: 0,
    lostPending: 0,
    handlerErrors: 0,
    malformed: 0,
    reporterErrors: 0,
  };

  constructor(private readonly log: Log) {}

  /** Counts one event and logs it. */
  count(stat: keyof RedisBusStats, line: string, n = 1): void {
    this.stats[stat] += n;
    try {
      this.log(line);
    } catch {
      // A log sink that throws cannot be told; the count above still records the event.
    }
  }

  readonly #failing = new Set<string>();

  /**
   * Counts a failure of `what`, logging only the first of a run of them (an outage fails every call);
   * succeeded(what) ends the run.
   */
  failed(what: string, stat: keyof RedisBusStats, line: string, n = 1): void {
    if (this.#failing.has(what)) {
      this.tally(stat, n);
      return;
    }
    this.#failing.add(what);
    this.count(stat, `${line} (further ${what} failures are counted until one succeeds)`, n);
  }

  succeeded(what: string): void {
    if (this.#failing.size > 0) this.#failing.delete(what);
  }

  /** Counts without logging (events already logged once for a run of them). */
  tally(stat: keyof RedisBusStats, n = 1): void {
    this.stats[stat] += n;
  }
}

export const messageOf = (e: unknown): string =>
  e instanceof Error && e.name === 'MaxRetriesPerRequestError'
    ? 'the connection to Redis was lost'
    : e instanceof Error
      ? e.message
      : String(e);
