import { describe, expect, it } from 'vitest';
import { CircuitBreakers } from '../../../src/runtime/breaker.js';

function setup() {
  let now = 1_000;
  const b = new CircuitBreakers({ failureThreshold: 3, openMs: 5_000, halfOpenProbes: 1 }, () => now);
  return { b, advance: (ms: number) => (now += ms) };
}

describe('circuit breaker', () => {
  it('opens after consecutive failures and refuses calls while open', () => {
    const { b } = setup();
    b.onFailure('r1');
    b.onFailure('r1');
    expect(b.tryAcquire('r1')).toBe(true);
    b.onFailure('r1');
    expect(b.tryAcquire('r1')).toBe(false);
    expect(b.isAvailable('r1')).toBe(false);
    expect(b.view()).toEqual([{ agent: 'r1', state: 'open', consecutiveFailures: 3, retryAt: 6_000 }]);
    expect(b.tryAcquire('r2')).toBe(true); // other agents are unaffected
  });

  it('a success resets the count of consecutive failures', () => {
    const { b } = setup();
    b.onFailure('r1');
    b.onFailure('r1');
    b.onSuccess('r1');
    b.onFailure('r1');
    b.onFailure('r1');
    expect(b.tryAcquire('r1')).toBe(true);
  });

  it('half-opens after the open period, lets one probe through, and closes on its success', () => {
    const { b, advance } = setup();
    for (let i = 0; i < 3; i++) b.onFailure('r1');
    advance(5_000);
    expect(b.view()[0]?.state).toBe('half_open');
    expect(b.isAvailable('r1')).toBe(true);
    expect(b.tryAcquire('r1')).toBe(true);
    expect(b.tryAcquire('r1')).toBe(false); // only one probe at a time
    expect(b.isAvailable('r1')).toBe(false);
    b.onSuccess('r1');
    expect(b.tryAcquire('r1')).toBe(true);
    expect(b.view()).toEqual([]);
  });

  it('re-opens when the half-open probe fails', () => {
    const { b, advance } = setup();
    for (let i = 0; i < 3; i++) b.onFailure('r1');
    advance(5_000);
    expect(b.tryAcquire('r1')).toBe(true);
    b.onFailure('r1');
    expect(b.tryAcquire('r1')).toBe(false);
    advance(4_999);
    expect(b.tryAcquire('r1')).toBe(false);
    advance(1);
    expect(b.tryAcquire('r1')).toBe(true);
  });
});
