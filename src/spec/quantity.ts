// Human quantities in workflow files: durations ("30s", "5m", 90), CPU ("4 cores", "500m", 2) and
// memory ("8GB", "512Mi", 1048576). Each parser returns a number in one base unit or a reason it can't.

export type Parsed = { ok: true; value: number } | { ok: false; reason: string };

const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** A duration in milliseconds. A bare number means seconds (as `timeout: 3600` in the execution request). */
export function parseDuration(v: string | number): Parsed {
  if (typeof v === 'number') {
    return Number.isFinite(v) && v >= 0
      ? { ok: true, value: Math.round(v * 1000) }
      : { ok: false, reason: 'a duration must be a non-negative number of seconds' };
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|d)\s*$/.exec(v);
  if (!m)
    return {
      ok: false,
      reason: 'expected a duration like "250ms", "30s", "5m", "1h" or a number of seconds',
    };
  return { ok: true, value: Math.round(Number(m[1]) * DURATION_UNITS_MS[m[2]!]!) };
}

/** CPU in millicores: 2, "2", "4 cores", "1.5 cpu", "500m". */
export function parseCpu(v: string | number): Parsed {
  if (typeof v === 'number') {
    return Number.isFinite(v) && v > 0
      ? { ok: true, value: Math.round(v * 1000) }
      : { ok: false, reason: 'CPU must be a positive number of cores' };
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*(m|cores?|cpus?|vcpus?)?\s*$/i.exec(v);
  if (!m) return { ok: false, reason: 'expected CPU like "4 cores", "1.5", or "500m" (millicores)' };
  const n = Number(m[1]);
  const value = m[2]?.toLowerCase() === 'm' ? Math.round(n) : Math.round(n * 1000);
  return value > 0 ? { ok: true, value } : { ok: false, reason: 'CPU must be greater than zero' };
}

const MEMORY_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  ki: 1024,
  kib: 1024,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
  ti: 1024 ** 4,
  tib: 1024 ** 4,
};

/** Memory in bytes: "8GB", "512MB", "1Gi", "256 MiB", or a number of bytes. */
export function parseMemory(v: string | number): Parsed {
  if (typeof v === 'number') {
    return Number.isFinite(v) && v > 0 && Number.isInteger(v)
      ? { ok: true, value: v }
      : { ok: false, reason: 'memory must be a positive whole number of bytes' };
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)?\s*$/i.exec(v);
  const unit = (m?.[2] ?? 'b').toLowerCase();
  const mult = MEMORY_UNITS[unit];
  if (!m || mult === undefined) return { ok: false, reason: 'expected memory like "512MB", "8GB" or "1Gi"' };
  const value = Math.round(Number(m[1]) * mult);
  return value > 0 ? { ok: true, value } : { ok: false, reason: 'memory must be greater than zero' };
}

export function formatCpu(millicores: number): string {
  const cores = Number((millicores / 1000).toFixed(3));
  return `${cores} ${cores === 1 ? 'core' : 'cores'}`;
}

export function formatMemory(bytes: number): string {
  const units: Array<[string, number]> = [
    ['GB', 1e9],
    ['MB', 1e6],
    ['KB', 1e3],
  ];
  for (const [u, m] of units) if (bytes >= m) return `${Number((bytes / m).toFixed(2))}${u}`;
  return `${bytes}B`;
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
