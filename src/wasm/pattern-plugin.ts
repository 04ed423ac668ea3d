// A loaded pattern plugin as the runtime calls it: typed pattern_init / pattern_step over ABI v1 JSON,
// every answer validated. Errors are BatonErrors naming the plugin and export (see runner.ts).

import { BatonError } from '../errors/registry.js';
import type { PatternDecision } from '../core/index.js';
import { HOST_ABI, parseAnswer, PatternInitResponse, PatternStepResponse } from './abi.js';
import type { LoadedPlugin } from './loader.js';

export const ABI_VERSION = `${HOST_ABI.major}.${HOST_ABI.minor}`;

/** pattern_init's input (pattern.proto PatternInitRequest), without abi_version. */
export interface PatternInitInput {
  readonly workflow: string;
  readonly tasks: ReadonlyArray<{
    id: string;
    agent?: string;
    depends_on: readonly string[];
    conditional: boolean;
  }>;
  readonly agents: ReadonlyArray<{ id: string; capabilities: readonly string[] }>;
  readonly config: Readonly<Record<string, unknown>>;
  readonly seed: number;
  readonly now_ms: number;
}

export interface PatternSetupOut {
  readonly state: unknown;
  readonly judges: readonly string[];
  readonly holds: readonly string[];
  readonly serial: boolean;
  readonly judges_failures?: boolean;
  readonly judges_delegations?: boolean;
}

/** pattern_step's input (PatternStepRequest), without abi_version. */
export interface PatternStepInput {
  readonly state: unknown;
  readonly trigger: {
    /** ABI 1.1 adds `failed` and `delegated` (sent only to a plugin whose setup asked for them). */
    readonly kind: 'output' | 'failed' | 'delegated';
    readonly task: string;
    readonly key: string;
    readonly round: number;
    readonly agent?: string;
    readonly output?: unknown;
    readonly error?: { readonly code: string; readonly message: string };
    readonly attempts?: number;
    readonly results?: ReadonlyArray<{ key: string; agent: string; input: unknown; output: unknown }>;
  };
  readonly now_ms: number;
  readonly seed: number;
  readonly step: number;
}

export class PatternPlugin {
  constructor(readonly loaded: LoadedPlugin) {
    if (loaded.manifest.kind !== 'pattern') {
      throw new BatonError(
        'BATON_E_PLUGIN_EXPORTS',
        `plugin ${loaded.id} is a ${loaded.manifest.kind}, not a pattern`,
      );
    }
  }

  get name(): string {
    return this.loaded.manifest.name;
  }

  /** The setup, or the plugin's own refusal (e.g. BATON_E_PATTERN_CONFIG) as a BatonError-like result. */
  async init(input: PatternInitInput): Promise<PatternSetupOut | { code: string; message: string }> {
    const r = await this.ask(PatternInitResponse, 'pattern_init', input);
    return 'setup' in r ? r.setup : r.error;
  }

  async step(input: PatternStepInput): Promise<{ state: unknown; decision: PatternDecision }> {
    return this.ask(PatternStepResponse, 'pattern_step', input);
  }

  private async ask<T>(
    schema: Parameters<typeof parseAnswer<T>>[0],
    exp: 'pattern_init' | 'pattern_step',
    input: object,
  ) {
    const text = JSON.stringify({ abi_version: ABI_VERSION, ...input });
    return parseAnswer(
      schema,
      await this.loaded.runner.call(this.loaded.code, exp, text),
      this.loaded.id,
      exp,
    );
  }
}
