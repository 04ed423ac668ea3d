// Circuit breakers, one per concrete agent: closed -> open after `failureThreshold` consecutive
// failures; open -> half-open after `openMs`; half-open lets `halfOpenProbes` calls through and
// closes on a success or re-opens on a failure. While a breaker is open the allocator picks another
// capable agent. Breakers are process state (not journaled): each instance learns agent health itself.

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  readonly failureThreshold: number;
  readonly openMs: number;
  readonly halfOpenProbes: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { failureThreshold: 5, openMs: 10_000, halfOpenProbes: 1 };

export interface BreakerView {
  readonly agent: string;
  readonly state: BreakerState;
  readonly consecutiveFailures: number;
  /** When an open breaker lets a probe through (ms since epoch); absent unless open. */
  readonly retryAt?: number;
}

export class CircuitBreakers {
  private readonly breakers = new Map<
    string,
    { state: BreakerState; failures: number; openedAt: number; probesInFlight: number }
  >();

  constructor(
    private readonly options: BreakerOptions = DEFAULT_BREAKER,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when a call to `agent` may go ahead now; in half-open, reserves one probe slot. */
  tryAcquire(agent: string): boolean {
    const b = this.breakers.get(agent);
    if (!b || b.state === 'closed') return true;
    if (b.state === 'open') {
      if (this.now() - b.openedAt < this.options.openMs) return false;
      b.state = 'half_open';
      b.probesInFlight = 0;
    }
    if (b.probesInFlight >= this.options.halfOpenProbes) return false;
    b.probesInFlight++;
    return true;
  }

  /** Whether `agent` would accept a call now, without reserving anything. */
  isAvailable(agent: string): boolean {
    const b = this.breakers.get(agent);
    if (!b || b.state === 'closed') return true;
    if (b.state === 'open') return this.now() - b.openedAt >= this.options.openMs;
    return b.probesInFlight < this.options.halfOpenProbes;
  }

  onSuccess(agent: string): void {
    this.breakers.delete(agent);
  }

  /** Counts a failure that says something about the agent's health (not a terminal input error). */
  onFailure(agent: string): void {
    const b = this.breakers.get(agent) ?? {
      state: 'closed' as BreakerState,
      failures: 0,
      openedAt: 0,
      probesInFlight: 0,
    };
    b.failures++;
    if (b.state === 'half_open' || b.failures >= this.options.failureThreshold) {
      b.state = 'open';
      b.openedAt = this.now();
      b.probesInFlight = 0;
    }
    this.breakers.set(agent, b);
  }

  view(): BreakerView[] {
    return [...this.breakers].map(([agent, b]) => ({
      agent,
      state: b.state === 'open' && this.now() - b.openedAt >= this.options.openMs ? 'half_open' : b.state,
      consecutiveFailures: b.failures,
      ...(b.state === 'open' ? { retryAt: b.openedAt + this.options.openMs } : {}),
    }));
  }
}
