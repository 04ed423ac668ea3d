import { describe, expect, it } from 'vitest';
import { BusUrlError, describeBusTarget, parseBusUrl } from '../../../src/bus/bus-url.js';

describe('bus strings', () => {
  it('read memory and redis URLs with their database, prefix and credentials', () => {
    expect(parseBusUrl('memory')).toEqual({ kind: 'memory' });
    expect(parseBusUrl('redis://127.0.0.1:6379')).toEqual({
      kind: 'redis',
      host: '127.0.0.1',
      port: 6379,
      db: 0,
      prefix: 'baton',
    });
    expect(parseBusUrl('redis://:s%40cret@cache.internal:6380/2?prefix=prod:eu')).toEqual({
      kind: 'redis',
      host: 'cache.internal',
      port: 6380,
      db: 2,
      prefix: 'prod:eu',
      password: 's@cret',
    });
    expect(parseBusUrl('redis://[::1]:6379/')).toMatchObject({ host: '::1', db: 0 });
  });

  it('print without the password', () => {
    expect(describeBusTarget(parseBusUrl('redis://u:pw@h:1/3?prefix=x'))).toBe('redis://h:1/3?prefix=x');
    expect(describeBusTarget(parseBusUrl('redis://[::1]:6379'))).toBe('redis://[::1]:6379/0?prefix=baton');
  });

  it('say what is wrong with a bad one', () => {
    const cases: [string, RegExp][] = [
      ['redis', /is not a bus: expected "memory" or redis:\/\/HOST:PORT/],
      ['rediss://h:6379', /unsupported scheme "rediss:"/],
      ['redis://h', /the port is missing/],
      ['redis://h:6379/x', /"\/x" is not a database number/],
      ['redis://h:6379?prefx=a', /unknown parameter "prefx"/],
      ['redis://h:6379?prefix=a b', /prefix "a b" must be/],
      ['redis://h:6379?prefix=', /prefix "" must be/],
    ];
    for (const [value, message] of cases) {
      expect(() => parseBusUrl(value), value).toThrow(BusUrlError);
      expect(() => parseBusUrl(value), value).toThrow(message);
    }
  });
});
