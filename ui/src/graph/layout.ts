// Lays a task graph out left to right with elkjs (the layered algorithm), in the browser, in elk's web
// worker: a layout of a thousand tasks takes seconds of CPU and must not freeze the page meanwhile.

import ELK from 'elkjs/lib/elk-api.js';
import workerUrl from 'elkjs/lib/elk-worker.min.js?url';

export const NODE_WIDTH = 180;
export const NODE_HEIGHT = 56;

const elk = new ELK({ workerUrl });

export interface Positions {
  readonly [id: string]: { x: number; y: number };
}

export async function layout(
  ids: readonly string[],
  edges: ReadonlyArray<{ source: string; target: string }>,
): Promise<Positions> {
  const known = new Set(ids);
  const graph = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '60',
      'elk.spacing.nodeNode': '24',
      // Large graphs: the simple placement is much faster and still reads well.
      ...(ids.length > 300 && { 'elk.layered.nodePlacement.strategy': 'SIMPLE' }),
    },
    children: ids.map((id) => ({ id, width: NODE_WIDTH, height: NODE_HEIGHT })),
    edges: edges
      .filter((e) => known.has(e.source) && known.has(e.target) && e.source !== e.target)
      .map((e, i) => ({ id: `e${i}`, sources: [e.source], targets: [e.target] })),
  });
  const out: Record<string, { x: number; y: number }> = {};
  for (const c of graph.children ?? []) out[c.id] = { x: c.x ?? 0, y: c.y ?? 0 };
  return out;
}
