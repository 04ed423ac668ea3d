// Each built-in pattern plugin passes the loader's checklist and describes its pattern_config as a JSON
// Schema (baton_describe): the schema admits the config of the plugin's example workflow and rejects
// a misspelt key, as the plugin's own pattern_init does.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InThreadRunner } from '../../../src/wasm/in-thread.js';
import { loadPlugin } from '../../../src/wasm/loader.js';
import { buildPatternPlugins } from './patterns-harness.js';

const ROOT = join(import.meta.dirname, '../../..');
// ABI 1.0 plugins and the ABI 1.1 ones (their manifests ask for ^1.1, which this host speaks).
const CASES = [
  { source: 'debate', name: 'debate', example: 'debate.yaml', abi: '1.0', version: '1.0.0' },
  { source: 'group-chat', name: 'group_chat', example: 'group_chat.yaml', abi: '1.0', version: '1.0.0' },
  {
    source: 'hierarchical',
    name: 'hierarchical',
    example: 'hierarchical.yaml',
    abi: '1.0',
    version: '1.0.0',
  },
  { source: 'magentic', name: 'magentic', example: 'magentic.yaml', abi: '1.0', version: '1.0.0' },
  { source: 'network', name: 'network', example: 'network.yaml', abi: '1.1', version: '1.0.0' },
  { source: 'map-reduce', name: 'map_reduce', example: 'map_reduce.yaml', abi: '1.1', version: '1.1.0' },
  { source: 'router', name: 'router', example: 'router.yaml', abi: '1.1', version: '1.1.0' },
  { source: 'swarm', name: 'swarm', example: 'swarm.yaml', abi: '1.0', version: '1.0.0' },
] as const;

describe('built-in pattern plugins describe their config', () => {
  for (const c of CASES) {
    it(
      `${c.name}: the schema admits examples/patterns/${c.example} and rejects an unknown key`,
      { timeout: 120_000 },
      async () => {
        const dir = await buildPatternPlugins([c.source]);
        const runner = new InThreadRunner();
        const plugin = await loadPlugin(join(dir, c.name, 'manifest.json'), { runner }).finally(() =>
          runner.close(),
        );
        expect(plugin.describe).toMatchObject({
          abi_version: c.abi,
          kind: 'pattern',
          name: c.name,
          version: c.version,
        });
        const schema = z.fromJSONSchema(plugin.describe.config_schema);
        const example = parse(readFileSync(join(ROOT, 'examples/patterns', c.example), 'utf8')) as {
          workflow: { orchestration_pattern: string; pattern_config: Record<string, unknown> };
        };
        expect(example.workflow.orchestration_pattern).toBe(c.name);
        expect(schema.safeParse(example.workflow.pattern_config).success).toBe(true);
        expect(schema.safeParse({ ...example.workflow.pattern_config, max_round: 2 }).success).toBe(false);
        expect(plugin.manifest.abi).toBe(`^${c.abi}`);
      },
    );
  }
});
