// PluginService's messages from the host's records: a stored plugin (manifest, size, describe answer,
// when it was stored) as a baton.v1.Plugin, and the offset page tokens of ListPlugins.

import type { LoadedPlugin, PluginManifest } from '../wasm/index.js';
import type { Plugin } from './gen/baton/v1/plugin.js';
import { ApiError } from './errors.js';

export function pluginToProto(
  manifest: Readonly<PluginManifest>,
  sizeBytes: number,
  installedAt: number,
  describe?: LoadedPlugin['describe'],
): Plugin {
  return {
    name: manifest.name,
    version: manifest.version,
    kind: manifest.kind,
    sha256: manifest.sha256,
    sizeBytes,
    manifestJson: JSON.stringify(manifest),
    describeJson: describe === undefined ? '' : JSON.stringify(describe),
    uploadedAt: new Date(installedAt),
    description: manifest.description ?? '',
  };
}

// Page tokens carry the offset and the kind filter they were issued for (as ListWorkflows does).
export const encodePluginToken = (offset: number, kind: string): string =>
  Buffer.from(JSON.stringify({ o: offset, k: kind })).toString('base64url');

export function decodePluginToken(token: string, kind: string): number {
  let parsed: { o?: unknown; k?: unknown } | undefined;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  if (typeof parsed?.o !== 'number' || !Number.isSafeInteger(parsed.o) || parsed.o < 0)
    throw new ApiError('BATON_E_REQUEST_INVALID', 'is not a token this server issued', {
      fieldPath: 'page_token',
    });
  if (parsed.k !== kind)
    throw new ApiError(
      'BATON_E_REQUEST_INVALID',
      'was issued for another kind filter: keep `kind` the same between pages',
      { fieldPath: 'page_token' },
    );
  return parsed.o;
}
