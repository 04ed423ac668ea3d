// Which bus a deployment uses, as one string: `memory` (the in-process default) or
// `redis://[[USER]:PASSWORD@]HOST:PORT[/DB][?prefix=PREFIX]`. Parsed here, without I/O, so configuration
// can refuse a bad value before anything opens; app.ts opens the adapter it names.

export type BusTarget =
  | { readonly kind: 'memory' }
  | {
      readonly kind: 'redis';
      readonly host: string;
      readonly port: number;
      readonly db: number;
      /** Every key is `<prefix>:<stream>`; one prefix per deployment keeps deployments apart. */
      readonly prefix: string;
      readonly username?: string;
      readonly password?: string;
    };

export const DEFAULT_BUS = 'memory';
export const DEFAULT_REDIS_PREFIX = 'baton';

const PREFIX = /^[A-Za-z0-9_.:{}-]{1,100}$/;

/** A bus string that cannot be used; the message says what is wrong and what is expected. */
export class BusUrlError extends Error {
  override readonly name = 'BusUrlError';
}

const SHAPE = 'expected "memory" or redis://HOST:PORT[/DB][?prefix=PREFIX]';

/** Parses a bus string; throws BusUrlError naming the part that is wrong. */
export function parseBusUrl(value: string): BusTarget {
  const text = value.trim();
  if (text === 'memory') return { kind: 'memory' };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BusUrlError(`"${value}" is not a bus: ${SHAPE}`);
  }
  if (url.protocol !== 'redis:') {
    throw new BusUrlError(`unsupported scheme "${url.protocol}" (TLS is not supported yet): ${SHAPE}`);
  }
  if (url.hostname === '') throw new BusUrlError(`the host is missing: ${SHAPE}`);
  if (url.port === '')
    throw new BusUrlError(`the port is missing (Redis listens on 6379 by default): ${SHAPE}`);
  const db = dbOf(url.pathname);
  const params = [...url.searchParams.keys()].filter((k) => k !== 'prefix');
  if (params.length > 0) throw new BusUrlError(`unknown parameter "${params[0]}": only prefix is known`);
  const prefix = url.searchParams.get('prefix') ?? DEFAULT_REDIS_PREFIX;
  if (!PREFIX.test(prefix)) {
    throw new BusUrlError(`prefix "${prefix}" must be 1-100 letters, digits or . _ - : { }`);
  }
  return {
    kind: 'redis',
    // URL keeps the brackets of an IPv6 host; the socket wants the bare address.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(url.port),
    db,
    prefix,
    ...(url.username !== '' && { username: decodeURIComponent(url.username) }),
    ...(url.password !== '' && { password: decodeURIComponent(url.password) }),
  };
}

function dbOf(path: string): number {
  if (path === '' || path === '/') return 0;
  const m = /^\/(\d{1,5})$/.exec(path);
  if (!m) throw new BusUrlError(`"${path}" is not a database number: ${SHAPE}`);
  return Number(m[1]);
}

/** The target as a string to print: the password is never shown. */
export function describeBusTarget(t: BusTarget): string {
  if (t.kind === 'memory') return 'memory';
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return `redis://${host}:${t.port}/${t.db}?prefix=${t.prefix}`;
}
