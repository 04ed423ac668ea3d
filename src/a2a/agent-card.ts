// The agent card of a served workflow (A2A spec §4.4.1, §8): its name, description and version, one skill
// (running the workflow: its inputs and tasks say what it takes and does), streaming yes, push
// notifications no (not built), and where to reach it: JSON-RPC and HTTP+JSON on the HTTP listener at
// protocol 1.0 and 0.3 (the SDK's compatibility layer answers requests without A2A-Version), and gRPC on
// Baton's gRPC port at 1.0, the workflow's name as the tenant.

import { A2A_PROTOCOL_VERSION, type AgentCard, type AgentInterface } from '@a2a-js/sdk';
import type { WorkflowSpec } from '../spec/schema.js';

/** The protocol version requests without an A2A-Version header speak (spec §3.6.2). */
export const LEGACY_VERSION = '0.3';

/** Where the edge is reached from outside: the HTTP listener's base URL and the gRPC address. */
export interface ServedAt {
  /** e.g. `http://127.0.0.1:8080` (no trailing slash). */
  readonly http: string;
  /** e.g. `127.0.0.1:50051`; absent when the gRPC transport is not served. */
  readonly grpc?: string;
}

/** The path segment of a workflow's agent under /a2a. */
export const agentPath = (name: string): string => `/a2a/${encodeURIComponent(name)}`;

export function interfacesOf(name: string, at: ServedAt): AgentInterface[] {
  const base = `${at.http}${agentPath(name)}`;
  const out: AgentInterface[] = [
    { url: base, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: A2A_PROTOCOL_VERSION },
    { url: `${base}/rest`, protocolBinding: 'HTTP+JSON', tenant: '', protocolVersion: A2A_PROTOCOL_VERSION },
  ];
  if (at.grpc !== undefined)
    out.push({ url: at.grpc, protocolBinding: 'GRPC', tenant: name, protocolVersion: A2A_PROTOCOL_VERSION });
  out.push(
    { url: base, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: LEGACY_VERSION },
    { url: `${base}/rest`, protocolBinding: 'HTTP+JSON', tenant: '', protocolVersion: LEGACY_VERSION },
  );
  return out;
}

function skillDescription(spec: WorkflowSpec): string {
  const lines = [spec.description ?? `Runs workflow ${spec.name}.`];
  const inputs = Object.entries(spec.inputs ?? {});
  if (inputs.length > 0) {
    lines.push('Input (a data part, a JSON object):');
    for (const [n, d] of inputs)
      lines.push(
        `- ${n}${d.type ? ` (${d.type})` : ''}${d.required ? ', required' : ''}${d.description ? `: ${d.description}` : ''}`,
      );
  } else lines.push('Input: a data part (a JSON object), or text (given to the workflow as `input`).');
  lines.push(`Tasks: ${spec.tasks.map((t) => t.id).join(', ')}.`);
  lines.push('Output: one artifact "output", a data part holding the output of each final task by task id.');
  return lines.join('\n');
}

/** An example input from the declared defaults, when there are any. */
function examples(spec: WorkflowSpec): string[] {
  const withDefault = Object.entries(spec.inputs ?? {}).filter(([, d]) => d.default !== undefined);
  if (withDefault.length === 0) return [];
  return [JSON.stringify(Object.fromEntries(withDefault.map(([n, d]) => [n, d.default])))];
}

export function agentCardOf(spec: WorkflowSpec, at: ServedAt): AgentCard {
  return {
    name: spec.name,
    description: spec.description ?? `Baton workflow ${spec.name}`,
    supportedInterfaces: interfacesOf(spec.name, at),
    provider: { organization: 'Baton', url: at.http },
    version: spec.version,
    capabilities: { streaming: true, pushNotifications: false, extensions: [], extendedAgentCard: false },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ['application/json', 'text/plain'],
    defaultOutputModes: ['application/json'],
    skills: [
      {
        id: spec.name,
        name: spec.name,
        description: skillDescription(spec),
        tags: ['baton', 'workflow', spec.orchestration_pattern, ...spec.tasks.map((t) => t.id)],
        examples: examples(spec),
        inputModes: ['application/json', 'text/plain'],
        outputModes: ['application/json'],
        securityRequirements: [],
      },
    ],
    signatures: [],
  };
}
