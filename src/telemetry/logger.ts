// Baton's structured logs: pino, one JSON line per record on stderr (level, time, component, the trace
// id of the active span, and whatever the caller adds: namespace, run id), pretty when stderr is a TTY.
// Which records pass is set by BATON_LOG (see parseLogFilter): `debug` everywhere, or `debug,lease,hub`
// for debug records of the lease and hub components only, the others staying at info.

import { pino, type Logger, type LevelWithSilent } from 'pino';
import { createRequire } from 'node:module';
import type PinoPretty from 'pino-pretty';
import { trace, context } from '@opentelemetry/api';

export type LogLevel = Exclude<LevelWithSilent, 'silent'> | 'silent';
export type { Logger } from 'pino';

const LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** What BATON_LOG says: the level of the named components, and of every other one. */
export interface LogFilter {
  /** The level of components not named (info by default). */
  readonly base: LogLevel;
  /** Components given a level of their own. */
  readonly components: ReadonlyMap<string, LogLevel>;
}

/**
 * Reads a BATON_LOG value: comma-separated tokens. A level alone (`debug`) with no component named sets
 * every component's level; with components named (`debug,lease,hub`) it is theirs and the others stay at
 * info. `lease=trace` names a component's level directly. Unknown words are component names.
 */
export function parseLogFilter(value: string | undefined): LogFilter {
  const components = new Map<string, LogLevel>();
  let level: LogLevel | undefined;
  const named: string[] = [];
  for (const raw of (value ?? '').split(',')) {
    const token = raw.trim().toLowerCase();
    if (token === '') continue;
    const eq = token.indexOf('=');
    if (eq > 0) {
      const l = token.slice(eq + 1) as LogLevel;
      if (LEVELS.includes(l)) components.set(token.slice(0, eq), l);
      continue;
    }
    if (LEVELS.includes(token as LogLevel)) level = token as LogLevel;
    else named.push(token);
  }
  if (named.length === 0) return { base: level ?? 'info', components };
  for (const c of named) if (!components.has(c)) components.set(c, level ?? 'debug');
  return { base: 'info', components };
}

let root: Logger | undefined;
let filter: LogFilter = parseLogFilter(process.env['BATON_LOG']);
const children = new Map<string, Logger>();

/** The most verbose level any component may log at: the root must let it through to the children. */
function lowest(f: LogFilter): LogLevel {
  let min = LEVELS.indexOf(f.base);
  for (const l of f.components.values()) min = Math.min(min, LEVELS.indexOf(l));
  return LEVELS[min]!;
}

function makeRoot(): Logger {
  const options = {
    level: lowest(filter),
    base: { pid: process.pid },
    // The trace id ties a record to the run's trace when tracing is on (the active span's context).
    mixin() {
      const span = trace.getSpan(context.active());
      if (span === undefined) return {};
      const { traceId, spanId } = span.spanContext();
      return { trace_id: traceId, span_id: spanId };
    },
  };
  if (process.stderr.isTTY === true && process.env['BATON_LOG_FORMAT'] !== 'json') {
    // Loaded only for a terminal: pino-pretty and its dependencies cost start-up time otherwise.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
    return pino(options, pretty({ destination: 2, sync: true, colorize: true, ignore: 'pid,hostname' }));
  }
  return pino(options, pino.destination({ dest: 2, sync: true }));
}

/** The logger of a component (`lease`, `hub`, `run-actor`...), at the level BATON_LOG gives it. */
export function logger(component: string): Logger {
  let child = children.get(component);
  if (child === undefined) {
    root ??= makeRoot();
    child = root.child({ component }, { level: filter.components.get(component) ?? filter.base });
    children.set(component, child);
  }
  return child;
}

/** Replaces the filter (tests; a CLI flag): loggers made so far are rebuilt on their next use. */
export function setLogFilter(value: string | undefined): void {
  filter = parseLogFilter(value);
  root = undefined;
  children.clear();
}
