// Errors the runtime catches and goes on after (a lease renewal, an inbox read, a release that failed):
// each is logged (a warn record of its component, through the logger) and counted, in this process and
// as the `baton_faults_total{component}` metric, so none passes silently.

import { logger } from './logger.js';
import { countFault } from './metrics.js';

const counts = new Map<string, number>();

/** Logs `error` as a warn record of `component` saying `what` failed, and counts it against the component. */
export function fault(component: string, what: string, error: unknown): void {
  counts.set(component, (counts.get(component) ?? 0) + 1);
  countFault(component);
  const err = error instanceof Error ? error : new Error(String(error));
  logger(component).warn({ err }, `${what}: ${err.message}`);
}

/** How many faults a component (or, without one, the whole runtime) reported in this process. */
export function faultCount(component?: string): number {
  if (component !== undefined) return counts.get(component) ?? 0;
  let n = 0;
  for (const c of counts.values()) n += c;
  return n;
}
