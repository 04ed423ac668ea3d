// A task graph drawn with @xyflow/react and laid out by elkjs: one box per task coloured by its state
// (data-status), a badge (fan-out progress, nested), an error mark; used by the run page and the editor.

import {
  Background,
  Controls,
  Handle,
  Position,
  ReactFlow,
  type Connection,
  type Edge,
  type Node,
  type NodeProps,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useState } from 'react';
import { layout, NODE_HEIGHT, NODE_WIDTH, type Positions } from './layout.ts';

export interface GraphNode {
  readonly id: string;
  readonly sublabel?: string;
  readonly status?: string;
  readonly badge?: string;
  readonly error?: string;
}

export interface GraphEdge {
  readonly source: string;
  readonly target: string;
}

type TaskData = { node: GraphNode; selected: boolean };

function TaskBox({ data }: NodeProps<Node<TaskData>>) {
  const n = data.node;
  return (
    <div
      className={`task-node status-${n.status ?? 'none'}${n.error ? ' has-error' : ''}${data.selected ? ' selected' : ''}`}
      data-task={n.id}
      data-status={n.status ?? ''}
      title={n.error ?? n.status ?? ''}
      style={{ width: NODE_WIDTH, height: NODE_HEIGHT }}
    >
      <Handle type="target" position={Position.Left} />
      <div className="task-id">{n.id}</div>
      <div className="task-sub">
        {n.sublabel}
        {n.status && <span className="task-status"> · {n.status}</span>}
        {n.badge && <span className="task-badge">{n.badge}</span>}
      </div>
      {n.error && <div className="task-error-mark">!</div>}
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

const nodeTypes = { task: TaskBox };

export function GraphView(props: {
  nodes: readonly GraphNode[];
  edges: readonly GraphEdge[];
  selected?: string | undefined;
  onSelect?: (id: string) => void;
  onConnect?: (source: string, target: string) => void;
  onLaidOut?: () => void;
}) {
  const { nodes, edges, selected, onSelect, onConnect, onLaidOut } = props;
  // Layout depends on the structure only: state changes recolour without moving anything.
  const shape = useMemo(
    () => JSON.stringify([nodes.map((n) => n.id), edges.map((e) => [e.source, e.target])]),
    [nodes, edges],
  );
  const [positions, setPositions] = useState<Positions | null>(null);
  const [laidOutShape, setLaidOutShape] = useState('');
  useEffect(() => {
    let live = true;
    const [ids, pairs] = JSON.parse(shape) as [string[], Array<[string, string]>];
    void layout(
      ids,
      pairs.map(([source, target]) => ({ source, target })),
    ).then((p) => {
      if (!live) return;
      setPositions(p);
      setLaidOutShape(shape);
    });
    return () => {
      live = false;
    };
  }, [shape]);
  useEffect(() => {
    if (positions !== null && laidOutShape === shape) onLaidOut?.();
  }, [positions, laidOutShape, shape, onLaidOut]);
  const flowNodes: Array<Node<TaskData>> = useMemo(
    () =>
      nodes.map((n) => ({
        id: n.id,
        type: 'task',
        position: positions?.[n.id] ?? { x: 0, y: 0 },
        data: { node: n, selected: n.id === selected },
      })),
    [nodes, positions, selected],
  );
  const flowEdges: Edge[] = useMemo(
    () =>
      edges.map((e) => ({
        id: `${e.source}->${e.target}`,
        source: e.source,
        target: e.target,
      })),
    [edges],
  );
  return (
    <div className="graph" data-laid-out={positions !== null && laidOutShape === shape ? 'yes' : 'no'}>
      {positions !== null && (
        <ReactFlow
          key={laidOutShape}
          nodes={flowNodes}
          edges={flowEdges}
          nodeTypes={nodeTypes}
          fitView
          minZoom={0.05}
          nodesDraggable={false}
          nodesConnectable={onConnect !== undefined}
          onNodeClick={(_e, n) => onSelect?.(n.id)}
          onConnect={(c: Connection) => {
            if (c.source && c.target) onConnect?.(c.source, c.target);
          }}
          proOptions={{ hideAttribution: true }}
        >
          <Background />
          <Controls showInteractive={false} />
        </ReactFlow>
      )}
    </div>
  );
}
