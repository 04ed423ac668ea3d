import { describe, expect, it } from 'vitest';
import { AgentAdapters, endpointKind } from '../../../src/agents/adapter-registry.js';
import type { AgentAdapter } from '../../../src/agents/adapter.js';
import { Agent } from '../../../src/spec/schema.js';

const agent = (endpoint?: unknown) =>
  Agent.parse({ type: 't', ...(endpoint === undefined ? {} : { endpoint }) });
const adapter = (name: string): AgentAdapter & { name: string } => ({
  name,
  invoke: () => Promise.reject(new Error(name)),
});

describe('the adapter registry', () => {
  it('knows the kind of every endpoint', () => {
    expect(endpointKind(agent({ module: './a.js' }))).toBe('module');
    expect(endpointKind(agent({ a2a: 'https://a.example' }))).toBe('a2a');
    expect(endpointKind(agent({ queue: 'q' }))).toBe('queue');
    expect(endpointKind(agent())).toBe('none');
  });

  it('asks the factories of an agent kind in the order they were registered, the first that answers wins', () => {
    const seen: string[] = [];
    const adapters = new AgentAdapters()
      .register('none', (id) => (seen.push(`first:${id}`), id === 'b' ? adapter('first') : undefined))
      .register('none', (id) => (seen.push(`second:${id}`), adapter('second')))
      .register('queue', () => adapter('queue'));
    expect((adapters.bind('a', agent()) as unknown as { name: string }).name).toBe('second');
    expect((adapters.bind('b', agent()) as unknown as { name: string }).name).toBe('first');
    expect(seen).toEqual(['first:a', 'second:a', 'first:b']);
    expect(adapters.kinds()).toEqual(['none', 'queue']);
  });

  it('refuses an agent no factory reaches with BATON_E_AGENT_UNBOUND, in the words registered for its kind', () => {
    const adapters = new AgentAdapters()
      .register('queue', () => undefined)
      .explain('queue', (id) => `agent "${id}" needs a server`);
    expect(() => adapters.bind('w', agent({ queue: 'q' }))).toThrow(
      expect.objectContaining({ code: 'BATON_E_AGENT_UNBOUND', message: 'agent "w" needs a server' }),
    );
    expect(() => adapters.bind('r', agent({ a2a: 'https://a.example' }))).toThrow(
      expect.objectContaining({ message: 'agent "r" (type t, a2a endpoint) has no adapter in this process' }),
    );
  });
});
