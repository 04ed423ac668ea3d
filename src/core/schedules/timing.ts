// When a schedule fires: a cron expression read in an IANA timezone, or a fixed interval aligned to the
// Unix epoch. Pure: every answer is computed from the time it is given (cron-parser is always handed an
// explicit currentDate, so it never reads the clock).

import { CronExpressionParser, type CronExpression } from 'cron-parser';

export interface CronTiming {
  readonly kind: 'cron';
  /** Five fields (minute hour day-of-month month day-of-week), six with seconds first, or an @alias. */
  readonly cron: string;
  /** IANA name, e.g. "Europe/Paris"; "UTC" by default. */
  readonly timezone: string;
}

export interface IntervalTiming {
  readonly kind: 'interval';
  /** Fires at every multiple of this many ms since the Unix epoch (so "1h" fires on the hour, UTC). */
  readonly everyMs: number;
}

export type Timing = CronTiming | IntervalTiming;

/** The shortest interval a schedule may have: the scheduler works in whole seconds. */
export const MIN_INTERVAL_MS = 1000;

const ALIASES = new Set([
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@hourly',
  '@minutely',
  '@secondly',
  '@weekdays',
  '@weekends',
]);

/** Why a timezone name is not one the runtime knows, or undefined when it is. */
export function timezoneProblem(timezone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return undefined;
  } catch {
    return `"${timezone}" is not an IANA timezone name (e.g. "UTC", "Europe/Paris", "America/New_York")`;
  }
}

/** Why a cron expression cannot be used, or undefined when it can. */
export function cronProblem(cron: string, timezone: string): string | undefined {
  const text = cron.trim();
  const fields = text.split(/\s+/).length;
  if (!ALIASES.has(text.toLowerCase()) && (text === '' || fields < 5 || fields > 6))
    return (
      `"${cron}" has ${text === '' ? 0 : fields} field(s); a cron expression has 5 (minute hour ` +
      'day-of-month month day-of-week), or 6 with seconds first, or is an alias such as @hourly'
    );
  try {
    CronExpressionParser.parse(text, { currentDate: new Date(0), tz: timezone });
    return undefined;
  } catch (e) {
    return `"${cron}" is not a valid cron expression: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/**
 * The schedule's fire times strictly after `after`, in order, one per call; null once there are no more
 * (a cron expression whose dates have run out). Reuses one parsed expression, so enumerating is cheap.
 */
export function firesAfter(timing: Timing, after: number): () => number | null {
  if (timing.kind === 'interval') {
    const every = timing.everyMs;
    let next = (Math.floor(after / every) + 1) * every;
    return () => {
      const t = next;
      next += every;
      return t;
    };
  }
  let expr: CronExpression | undefined = CronExpressionParser.parse(timing.cron.trim(), {
    currentDate: new Date(after),
    tz: timing.timezone,
  });
  return () => {
    if (!expr) return null;
    try {
      return expr.next().getTime();
    } catch {
      expr = undefined; // no date left in cron-parser's range
      return null;
    }
  };
}

/** The first fire strictly after `after`, or null when the schedule never fires again. */
export const nextFireAfter = (timing: Timing, after: number): number | null => firesAfter(timing, after)();
