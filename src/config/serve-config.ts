// `baton serve` settings from four layers, highest first: command-line flags, environment variables
// (BATON_*), a config file (--config FILE or BATON_CONFIG; YAML or JSON), defaults. Every value is checked
// by one zod schema per key (STYLE.md habit 6); a bad one is reported with its key and where it came
// from (the flag, the variable, or FILE:LINE:COL), and `baton serve` exits 2 without starting.
// docs/configuration.md documents every key; keep the two in step.

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { BatonError } from '../errors/registry.js';
import { parseYamlAs } from '../spec/load.js';
import { Duration } from '../spec/schema.js';

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

const Listen = z
  .string()
  .regex(HOST_PORT, { message: 'must be HOST:PORT, e.g. 127.0.0.1:50051 or [::]:50051 (port 0 picks one)' })
  .refine((v) => Number(HOST_PORT.exec(v)?.[2]) <= 65535, { message: 'the port must be 0..65535' });

const Path = z.string().min(1, { message: 'must not be empty' });

/** Each key's schema; the file's keys are exactly these. */
const KEYS = {
  listen: Listen,
  data_dir: Path,
  registry: Path,
  namespace: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'must be 1-64 letters, digits, ".", "_" or "-"' }),
  drain_grace: Duration,
  worker_lease: Duration,
} as const;

type Key = keyof typeof KEYS;

/** The settings as `baton serve` uses them (durations in ms, paths resolved). */
export interface ServeConfig {
  readonly listen: string;
  readonly dataDir: string;
  readonly registry?: string;
  readonly namespace: string;
  /** How long a drain waits for attempts in flight before abandoning them (they are re-issued on restart). */
  readonly drainGraceMs: number;
  /** How long a worker's assignment stays its own without a heartbeat (WorkerHub leaseMs). */
  readonly workerLeaseMs: number;
}

export const SERVE_DEFAULTS = {
  listen: '127.0.0.1:50051',
  data_dir: '.baton',
  namespace: 'default',
  drain_grace: 10_000,
  worker_lease: 10_000,
} as const;

/** The environment variable of each key. */
export const ENV_VARS: Readonly<Record<Key, string>> = {
  listen: 'BATON_LISTEN',
  data_dir: 'BATON_DATA_DIR',
  registry: 'BATON_REGISTRY',
  namespace: 'BATON_NAMESPACE',
  drain_grace: 'BATON_DRAIN_GRACE',
  worker_lease: 'BATON_WORKER_LEASE',
};
export const CONFIG_ENV = 'BATON_CONFIG';

/** The flag of each key that has one. */
const FLAGS: Partial<Record<Key, string>> = {
  listen: '--listen',
  data_dir: '--data-dir',
  registry: '--registry',
  drain_grace: '--drain-grace',
  worker_lease: '--worker-lease',
};

const FileSchema = z.strictObject({
  listen: KEYS.listen.optional(),
  data_dir: KEYS.data_dir.optional(),
  registry: KEYS.registry.optional(),
  namespace: KEYS.namespace.optional(),
  drain_grace: KEYS.drain_grace.optional(),
  worker_lease: KEYS.worker_lease.optional(),
});

export class ConfigError extends BatonError {
  constructor(message: string) {
    super('BATON_E_CONFIG_INVALID', message);
  }
}

export interface ConfigSources {
  /** Flag values as given on the command line (undefined when absent), by key. */
  readonly flags: Partial<Record<Key, string>>;
  readonly env: NodeJS.ProcessEnv;
  /** --config FILE (wins over BATON_CONFIG). */
  readonly configFile?: string;
}

/** Reads and checks every layer; throws ConfigError naming the first bad key and where it came from. */
export async function loadServeConfig(src: ConfigSources): Promise<ServeConfig> {
  const fileName = src.configFile ?? nonEmpty(src.env[CONFIG_ENV]);
  const file = fileName === undefined ? {} : await readConfigFile(fileName);
  const value = <K extends Key>(key: K): z.output<(typeof KEYS)[K]> | undefined => {
    const flag = src.flags[key];
    if (flag !== undefined) return check(key, flag, `flag ${FLAGS[key] ?? key}`);
    const env = nonEmpty(src.env[ENV_VARS[key]]);
    if (env !== undefined) return check(key, env, `environment variable ${ENV_VARS[key]}`);
    return file[key] as z.output<(typeof KEYS)[K]> | undefined;
  };
  const registry = value('registry');
  return {
    listen: value('listen') ?? SERVE_DEFAULTS.listen,
    dataDir: value('data_dir') ?? SERVE_DEFAULTS.data_dir,
    ...(registry !== undefined && { registry }),
    namespace: value('namespace') ?? SERVE_DEFAULTS.namespace,
    drainGraceMs: value('drain_grace') ?? SERVE_DEFAULTS.drain_grace,
    workerLeaseMs: value('worker_lease') ?? SERVE_DEFAULTS.worker_lease,
  };
}

const nonEmpty = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

/** One value from a flag or a variable: a number-like string counts as a number (e.g. seconds). */
function check<K extends Key>(key: K, raw: string, origin: string): z.output<(typeof KEYS)[K]> {
  const schema = KEYS[key] as unknown as z.ZodType<z.output<(typeof KEYS)[K]>>;
  const duration = key === 'drain_grace' || key === 'worker_lease';
  const asNumber = duration && /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw;
  const r = schema.safeParse(asNumber);
  if (r.success) return r.data;
  throw new ConfigError(`${key} (from ${origin}): ${r.error.issues[0]?.message ?? 'is invalid'}`);
}

/** The file's settings, with its relative paths resolved against the file's own folder. */
async function readConfigFile(file: string): Promise<Partial<Record<Key, unknown>>> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new ConfigError(`config file ${file}: ${reason}`);
  }
  const parsed = parseYamlAs(FileSchema, bytes, { file });
  if (!parsed.ok) {
    const d = parsed.diagnostics.find((x) => x.severity === 'error') ?? parsed.diagnostics[0]!;
    const path = d.path.join('.');
    // Located diagnostics usually name their key already; say it once.
    const key = path !== '' && !d.message.includes(path) ? `${path}: ` : '';
    throw new ConfigError(`${file}:${d.line}:${d.col}: ${key}${d.message}`);
  }
  const base = dirname(resolve(file));
  const v = parsed.value;
  return {
    ...v,
    ...(v.data_dir !== undefined && { data_dir: resolve(base, v.data_dir) }),
    ...(v.registry !== undefined && { registry: resolve(base, v.registry) }),
  };
}
