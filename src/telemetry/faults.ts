// Errors the runtime catches and goes on after (a lease renewal, an inbox read, a release that failed):
// each is logged with its component and counted, so none passes silently (a logger and metrics come later).

const counts = new Map<string, number>();

/** Logs `error` as `[component] what: message` and counts it against the component. */
export function fault(component: string, what: string, error: unknown): void {
  counts.set(component, (counts.get(component) ?? 0) + 1);
  console.error(`[${component}] ${what}: ${error instanceof Error ? error.message : String(error)}`);
}

/** How many faults a component (or, without one, the whole runtime) reported in this process. */
export function faultCount(component?: string): number {
  if (component !== undefined) return counts.get(component) ?? 0;
  let n = 0;
  for (const c of counts.values()) n += c;
  return n;
}
