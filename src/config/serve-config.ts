// `baton serve` settings from four layers, highest first: command-line flags, environment variables
// (BATON_*), a config file (--config FILE or BATON_CONFIG; YAML or JSON), defaults. Every value is checked
// by one zod schema per key (STYLE.md habit 6); a bad one is reported with its key and where it came
// from (the flag, the variable, or FILE:LINE:COL), and `baton serve` exits 2 without starting.
// docs/configuration.md documents every key; keep the two in step.

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { BusUrlError, DEFAULT_BUS, parseBusUrl } from '../bus/bus-url.js';
import { BatonError } from '../errors/registry.js';
import { parseYamlAs } from '../spec/load.js';
import { Duration } from '../spec/schema.js';
import { parseStoreUrl } from '../store/store-url.js';

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

const Listen = z
  .string()
  .regex(HOST_PORT, { message: 'must be HOST:PORT, e.g. 127.0.0.1:50051 or [::]:50051 (port 0 picks one)' })
  .refine((v) => Number(HOST_PORT.exec(v)?.[2]) <= 65535, { message: 'the port must be 0..65535' });

const Path = z.string().min(1, { message: 'must not be empty' });

/** A store URL (store/store-url.ts); the message says what is wrong without echoing a password. */
const StoreUrl = z.string().superRefine((v, ctx) => {
  try {
    parseStoreUrl(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

/** `memory` or `redis://HOST:PORT[/DB][?prefix=...]` (bus/bus-url.ts), kept as given: app.ts opens it. */
const BusUrl = z.string().superRefine((v, ctx) => {
  try {
    parseBusUrl(v);
  } catch (e) {
    if (!(e instanceof BusUrlError)) throw e;
    ctx.addIssue({ code: 'custom', message: e.message });
  }
});

/** Each key's schema; the file's keys are exactly these. */
const KEYS = {
  listen: Listen,
  // The HTTP listener (A2A, /metrics, web UI); off unless set.
  http: Listen,
  data_dir: Path,
  store: StoreUrl,
  registry: Path,
  agents_dir: Path,
  namespace: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'must be 1-64 letters, digits, ".", "_" or "-"' }),
  drain_grace: Duration,
  bus: BusUrl,
  // "off" (the default) keeps every run; a duration purges runs that ended longer ago than that.
  retention: z
    .union([z.literal('off').transform(() => undefined), Duration], {
      error: 'must be "off" or a duration such as "30d", "12h" or a number of seconds',
    })
    .refine((ms) => ms === undefined || ms >= 1000, { message: 'must be at least 1s (or "off")' }),
  // How long the hook execution log keeps an execution (default 7 days); then it is deleted.
  hook_log_retention: Duration.refine((ms) => ms >= 1000, { message: 'must be at least 1s' }),
  a2a_credentials: Path,
  worker_lease: Duration,
  // How long a run stays this instance's without renewal: a dead instance's runs move after about this.
  lease: Duration.refine((ms) => ms >= 1000 && ms <= 3_600_000, {
    message: 'must be between 1s and 1h',
  }),
} as const;

type Key = keyof typeof KEYS;

/** The settings as `baton serve` uses them (durations in ms, paths resolved). */
export interface ServeConfig {
  readonly listen: string;
  /** HOST:PORT of the HTTP listener (A2A edge, /metrics, web UI); absent, no HTTP listener. */
  readonly http?: string;
  readonly dataDir: string;
  /** Where runs are stored: a store URL; absent, the SQLite store of dataDir. */
  readonly store?: string;
  readonly registry?: string;
  /** Where relative `endpoint.module` paths of workflows sent over the API resolve (absolute). */
  readonly agentsDir: string;
  readonly namespace: string;
  /** How long a drain waits for attempts in flight before abandoning them (they are re-issued on restart). */
  readonly drainGraceMs: number;
  /** Which bus carries events and work: `memory` (in-process) or a redis:// URL. */
  readonly bus: string;
  /** Ended runs older than this are purged (runtime/retention.ts); undefined keeps every run. */
  readonly retentionMs?: number;
  /** Hook executions logged longer ago than this are deleted (hooks/hook-log.ts). */
  readonly hookLogRetentionMs: number;
  /** Secrets of remote A2A agents: a YAML/JSON file mapping credential names to secrets. */
  readonly a2aCredentials?: string;
  /** How long a worker's assignment stays its own without a heartbeat (WorkerHub leaseMs). */
  readonly workerLeaseMs: number;
  /** Run lease: renewed every third of it; another instance takes a run over once it lapses. */
  readonly leaseMs: number;
}

export const SERVE_DEFAULTS = {
  listen: '127.0.0.1:50051',
  data_dir: '.baton',
  namespace: 'default',
  drain_grace: 10_000,
  bus: DEFAULT_BUS,
  worker_lease: 10_000,
  lease: 15_000,
  hook_log_retention: 7 * 24 * 3600 * 1000,
} as const;

/** The environment variable of each key. */
export const ENV_VARS: Readonly<Record<Key, string>> = {
  listen: 'BATON_LISTEN',
  http: 'BATON_HTTP',
  data_dir: 'BATON_DATA_DIR',
  store: 'BATON_STORE',
  registry: 'BATON_REGISTRY',
  agents_dir: 'BATON_AGENTS_DIR',
  namespace: 'BATON_NAMESPACE',
  drain_grace: 'BATON_DRAIN_GRACE',
  bus: 'BATON_BUS',
  retention: 'BATON_RETENTION',
  hook_log_retention: 'BATON_HOOK_LOG_RETENTION',
  a2a_credentials: 'BATON_A2A_CREDENTIALS',
  worker_lease: 'BATON_WORKER_LEASE',
  lease: 'BATON_LEASE',
};
export const CONFIG_ENV = 'BATON_CONFIG';

/** The flag of each key that has one. */
const FLAGS: Partial<Record<Key, string>> = {
  listen: '--listen',
  http: '--http',
  data_dir: '--data-dir',
  store: '--store',
  registry: '--registry',
  agents_dir: '--agents-dir',
  drain_grace: '--drain-grace',
  bus: '--bus',
  retention: '--retention',
  hook_log_retention: '--hook-log-retention',
  worker_lease: '--worker-lease',
  lease: '--lease',
};

const FileSchema = z.strictObject({
  listen: KEYS.listen.optional(),
  http: KEYS.http.optional(),
  data_dir: KEYS.data_dir.optional(),
  store: KEYS.store.optional(),
  registry: KEYS.registry.optional(),
  agents_dir: KEYS.agents_dir.optional(),
  namespace: KEYS.namespace.optional(),
  drain_grace: KEYS.drain_grace.optional(),
  bus: KEYS.bus.optional(),
  retention: KEYS.retention.optional(),
  hook_log_retention: KEYS.hook_log_retention.optional(),
  a2a_credentials: KEYS.a2a_credentials.optional(),
  worker_lease: KEYS.worker_lease.optional(),
  lease: KEYS.lease.optional(),
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
  const http = value('http');
  const store = value('store');
  const retention = value('retention');
  const a2aCredentials = value('a2a_credentials');
  return {
    listen: value('listen') ?? SERVE_DEFAULTS.listen,
    ...(http !== undefined && { http }),
    dataDir: value('data_dir') ?? SERVE_DEFAULTS.data_dir,
    ...(store !== undefined && { store }),
    ...(registry !== undefined && { registry }),
    // Default: the directory serve was started in (a request carries YAML, not a folder of its own).
    agentsDir: resolve(value('agents_dir') ?? '.'),
    namespace: value('namespace') ?? SERVE_DEFAULTS.namespace,
    drainGraceMs: value('drain_grace') ?? SERVE_DEFAULTS.drain_grace,
    bus: value('bus') ?? SERVE_DEFAULTS.bus,
    ...(retention !== undefined && { retentionMs: retention }),
    hookLogRetentionMs: value('hook_log_retention') ?? SERVE_DEFAULTS.hook_log_retention,
    ...(a2aCredentials !== undefined && { a2aCredentials }),
    workerLeaseMs: value('worker_lease') ?? SERVE_DEFAULTS.worker_lease,
    leaseMs: value('lease') ?? SERVE_DEFAULTS.lease,
  };
}

const nonEmpty = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

/** One value from a flag or a variable: a number-like string counts as a number (e.g. seconds). */
function check<K extends Key>(key: K, raw: string, origin: string): z.output<(typeof KEYS)[K]> {
  const schema = KEYS[key] as unknown as z.ZodType<z.output<(typeof KEYS)[K]>>;
  const durationKey =
    key === 'drain_grace' ||
    key === 'retention' ||
    key === 'hook_log_retention' ||
    key === 'worker_lease' ||
    key === 'lease';
  const asNumber = durationKey && /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw;
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
    // sqlite:DIR names a folder like data_dir does: relative to the file.
    ...(v.store?.startsWith('sqlite:') && { store: `sqlite:${resolve(base, parseSqliteDir(v.store))}` }),
    ...(v.registry !== undefined && { registry: resolve(base, v.registry) }),
    ...(v.agents_dir !== undefined && { agents_dir: resolve(base, v.agents_dir) }),
    ...(v.a2a_credentials !== undefined && { a2a_credentials: resolve(base, v.a2a_credentials) }),
  };
}

function parseSqliteDir(url: string): string {
  const location = parseStoreUrl(url);
  return location.kind === 'sqlite' ? location.dataDir : url;
}
