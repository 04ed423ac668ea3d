// `baton patterns`: every orchestration pattern a workflow can name here, in the order a bare name is
// looked up: the native graph modes, the built-in pattern plugins (dist/plugins), and the pattern
// plugins installed in the data directory (named owner/name@version). `baton plugin list` shows the
// built-ins too, marked built-in.

import { join } from 'node:path';
import { builtinPluginsDir } from '../../runtime/pattern-plugins.js';
import { listInstalled } from '../../wasm/plugin-store.js';
import type { Output } from '../io.js';

export interface PatternRow {
  /** What `orchestration_pattern` says to use it. */
  readonly name: string;
  readonly source: 'native' | 'built-in' | 'installed';
  readonly version: string;
  readonly description: string;
}

/** The native graph modes: no plugin, no pattern step (docs/patterns.md). */
const NATIVE: readonly PatternRow[] = [
  {
    name: 'graph',
    source: 'native',
    version: '',
    description: 'The default: a task starts once its depends_on are done and its when holds.',
  },
  {
    name: 'concurrent',
    source: 'native',
    version: '',
    description: 'As graph: everything its dependencies allow runs at once.',
  },
  {
    name: 'sequential',
    source: 'native',
    version: '',
    description: 'One task at a time: when nothing runs, the ready task first in the file starts.',
  },
];

/** The built-in pattern plugins this package ships (dist/plugins), with their manifests' descriptions. */
export async function builtinPatternRows(): Promise<PatternRow[]> {
  return (await listInstalled(builtinPluginsDir()))
    .filter((p) => p.manifest.kind === 'pattern')
    .map((p) => ({
      name: p.manifest.name,
      source: 'built-in' as const,
      version: p.manifest.version,
      description: p.manifest.description ?? '',
    }));
}

export async function patternRows(dataDir: string): Promise<PatternRow[]> {
  const installed = (await listInstalled(join(dataDir, 'plugins')))
    .filter((p) => p.manifest.kind === 'pattern')
    .map((p) => ({
      name: `${p.manifest.name}@${p.manifest.version}`,
      source: 'installed' as const,
      version: p.manifest.version,
      description: p.manifest.description ?? '',
    }));
  return [...NATIVE, ...(await builtinPatternRows()), ...installed];
}

export async function patternsCommand(opts: { dataDir: string; json?: boolean }, o: Output): Promise<number> {
  const rows = await patternRows(opts.dataDir);
  if (opts.json) {
    o.out(JSON.stringify(rows, null, 2));
    return 0;
  }
  for (const r of rows) {
    const what = r.source === 'native' ? 'native' : `${r.source} ${r.version}`;
    o.out(`${r.name.padEnd(24)} ${what.padEnd(18)} ${r.description}`);
  }
  return 0;
}
