import { describe, expect, it } from 'vitest';
import { AbortPool } from '../../../src/runtime/abort-pool.js';

describe('AbortPool', () => {
  it('hands back a controller whose attempt ended cleanly', () => {
    const pool = new AbortPool();
    const ac = pool.take();
    const onAbort = () => undefined;
    ac.signal.addEventListener('abort', onAbort);
    ac.signal.removeEventListener('abort', onAbort);
    pool.give(ac);
    expect(pool.take()).toBe(ac);
  });

  it('never reuses an aborted controller: the next attempt starts un-aborted', () => {
    const pool = new AbortPool();
    const ac = pool.take();
    ac.abort(new Error('cancelled'));
    pool.give(ac);
    const next = pool.take();
    expect(next).not.toBe(ac);
    expect(next.signal.aborted).toBe(false);
  });

  it('never reuses a controller someone still listens to, so a later abort cannot reach them', () => {
    const pool = new AbortPool();
    const ac = pool.take();
    let heard = 0;
    ac.signal.addEventListener('abort', () => heard++);
    pool.give(ac);
    const next = pool.take();
    expect(next).not.toBe(ac);
    next.abort();
    expect(heard).toBe(0);
  });
});
