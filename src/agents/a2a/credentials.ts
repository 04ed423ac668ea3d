// Credentials for remote A2A agents, kept out of workflows and journals: a workflow names at most a
// credential (`endpoint: { a2a: URL, credential: NAME }`, default: the agent id), and the secret comes
// from the environment (BATON_A2A_TOKEN_<NAME>) or from a secrets file named in config (a map of names to
// secrets). How a secret is sent follows the card's security schemes (spec §7.3): HTTP Bearer (and
// OAuth2 / OpenID Connect access tokens obtained out of band) as `Authorization: Bearer`, HTTP Basic from
// `user:password`, an API key in the header, query parameter or cookie the card names.

import { readFile } from 'node:fs/promises';
import type { AgentCard, SecurityScheme } from '@a2a-js/sdk';
import { z } from 'zod';
import { BatonError } from '../../errors/registry.js';
import { parseYamlAs } from '../../spec/load.js';

/** The environment variable holding the secret of credential `name`. */
export const envVarOf = (name: string): string =>
  `BATON_A2A_TOKEN_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

const SecretsFile = z.record(
  z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, {
    message: 'a credential name is 1-64 letters, digits, ".", "_" or "-"',
  }),
  z.string().min(1, { message: 'a secret must not be empty' }),
);

/** A secret found, and where (for messages: never the secret itself). */
export interface Credential {
  readonly name: string;
  readonly secret: string;
  readonly from: string;
}

export class A2ACredentials {
  constructor(
    private readonly file: Readonly<Record<string, string>> = {},
    private readonly fileName: string | undefined = undefined,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /**
   * Reads a secrets file (YAML or JSON: `NAME: SECRET` lines).
   * @throws BatonError BATON_E_A2A_CREDENTIALS naming the file and what is wrong (never a secret).
   */
  static async load(
    fileName: string | undefined,
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<A2ACredentials> {
    if (fileName === undefined || fileName === '') return new A2ACredentials({}, undefined, env);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(fileName);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new BatonError(
        'BATON_E_A2A_CREDENTIALS',
        `A2A credentials file ${fileName}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(e))}`,
      );
    }
    const parsed = parseYamlAs(SecretsFile, bytes, { file: fileName });
    if (!parsed.ok) {
      const d = parsed.diagnostics.find((x) => x.severity === 'error') ?? parsed.diagnostics[0]!;
      // The diagnostic may quote the value it found: a secret must not reach a log.
      throw new BatonError(
        'BATON_E_A2A_CREDENTIALS',
        `A2A credentials file ${fileName}:${d.line}:${d.col}: ${d.path.join('.') || 'the file'} must map credential names to secret strings`,
      );
    }
    return new A2ACredentials(parsed.value, fileName, env);
  }

  /** The secret of the first of `names` that has one: the environment first, then the file. */
  find(names: readonly string[]): Credential | undefined {
    for (const name of names) {
      const env = this.env[envVarOf(name)];
      if (env !== undefined && env !== '') return { name, secret: env, from: envVarOf(name) };
      const inFile = this.file[name];
      if (inFile !== undefined) return { name, secret: inFile, from: `${this.fileName ?? 'file'} (${name})` };
    }
    return undefined;
  }

  /** Where a user puts the secret of credential `name`, for messages. */
  whereTo(name: string): string {
    return `set ${envVarOf(name)}${this.fileName === undefined ? ' or name an A2A credentials file holding it' : ` or add "${name}" to ${this.fileName}`}`;
  }
}

/** What an authenticated request carries. */
export interface AuthPlacement {
  readonly headers: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
}

export const NO_AUTH: AuthPlacement = { headers: {}, query: {} };

/** How one scheme carries `secret`, or undefined when Baton cannot (mutual TLS). */
function place(scheme: SecurityScheme, secret: string): AuthPlacement | undefined {
  const s = scheme.scheme;
  switch (s?.$case) {
    case 'httpAuthSecurityScheme': {
      const kind = s.value.scheme.toLowerCase();
      if (kind === 'basic') {
        const value = secret.includes(':') ? Buffer.from(secret).toString('base64') : secret;
        return { headers: { Authorization: `Basic ${value}` }, query: {} };
      }
      return {
        headers: { Authorization: `${kind === 'bearer' ? 'Bearer' : s.value.scheme} ${secret}` },
        query: {},
      };
    }
    case 'apiKeySecurityScheme': {
      const { location, name } = s.value;
      if (location === 'query') return { headers: {}, query: { [name]: secret } };
      if (location === 'cookie')
        return { headers: { Cookie: `${name}=${encodeURIComponent(secret)}` }, query: {} };
      return { headers: { [name]: secret }, query: {} };
    }
    case 'oauth2SecurityScheme':
    case 'openIdConnectSecurityScheme':
      return { headers: { Authorization: `Bearer ${secret}` }, query: {} };
    default:
      return undefined;
  }
}

const merge = (a: AuthPlacement, b: AuthPlacement): AuthPlacement => ({
  headers: { ...a.headers, ...b.headers },
  query: { ...a.query, ...b.query },
});

/** `bearer (HTTP Bearer)`, `key (API key in header X-Key)` for messages. */
export function describeScheme(name: string, scheme: SecurityScheme | undefined): string {
  const s = scheme?.scheme;
  switch (s?.$case) {
    case 'httpAuthSecurityScheme':
      return `${name} (HTTP ${s.value.scheme})`;
    case 'apiKeySecurityScheme':
      return `${name} (API key in ${s.value.location || 'header'} ${s.value.name})`;
    case 'oauth2SecurityScheme':
      return `${name} (OAuth 2.0 access token)`;
    case 'openIdConnectSecurityScheme':
      return `${name} (OpenID Connect token)`;
    case 'mtlsSecurityScheme':
      return `${name} (mutual TLS, which Baton does not support)`;
    default:
      return `${name} (unknown scheme)`;
  }
}

/**
 * What Baton's requests to the agent of `card` carry. A card that requires nothing gets nothing (a
 * credential the workflow named explicitly is still sent, as a bearer token); otherwise the first of the
 * card's security requirements whose schemes can all carry the secret is used.
 * @returns the placement, or why Baton cannot authenticate (the message names agent and schemes).
 */
export function authFor(
  card: AgentCard,
  credential: Credential | undefined,
  explicit: boolean,
): { ok: true; auth: AuthPlacement } | { ok: false; why: string } {
  const requirements = card.securityRequirements.filter((r) => Object.keys(r.schemes).length > 0);
  if (requirements.length === 0) {
    if (credential === undefined || !explicit) return { ok: true, auth: NO_AUTH };
    return { ok: true, auth: { headers: { Authorization: `Bearer ${credential.secret}` }, query: {} } };
  }
  const wanted = requirements
    .map((r) =>
      Object.keys(r.schemes)
        .map((n) => describeScheme(n, card.securitySchemes[n]))
        .join(' and '),
    )
    .join(', or ');
  if (credential === undefined)
    return { ok: false, why: `it requires ${wanted}, and no credential is configured` };
  for (const r of requirements) {
    let auth: AuthPlacement | undefined = NO_AUTH;
    for (const name of Object.keys(r.schemes)) {
      const scheme = card.securitySchemes[name];
      const p = scheme === undefined ? undefined : place(scheme, credential.secret);
      auth = p === undefined || auth === undefined ? undefined : merge(auth, p);
    }
    if (auth !== undefined) return { ok: true, auth };
  }
  return { ok: false, why: `it requires ${wanted}, none of which Baton can send` };
}
