// What Baton can do with an agent card: the interfaces its client speaks, the shape of the input it
// sends (a JSON data part, or text when the agent takes only text), and the card as validation reads it.

import type { AgentCard, AgentInterface } from '@a2a-js/sdk';
import { acceptsMode, type AgentOffer } from '../../plan/index.js';

/** Protocol bindings Baton's client speaks (the card's names for them), in Baton's order of preference. */
export const BINDINGS = ['JSONRPC', 'HTTP+JSON'] as const;

/** The card's interfaces Baton can call: a binding it speaks, at protocol version 1.x (unset: 1.0). */
export function usableInterfaces(card: AgentCard): AgentInterface[] {
  return card.supportedInterfaces.filter(
    (i) =>
      (BINDINGS as readonly string[]).includes(i.protocolBinding.toUpperCase()) &&
      (i.protocolVersion === '' || /^1(\.|$)/.test(i.protocolVersion)),
  );
}

/** How Baton sends a task's input: a data part (JSON), or text when the agent takes only text. */
export type InputShape = 'data' | 'text';

export function inputShape(card: AgentCard): InputShape | undefined {
  const modes = card.defaultInputModes;
  if (modes.length === 0 || acceptsMode(modes, 'application/json')) return 'data';
  return acceptsMode(modes, 'text/plain') ? 'text' : undefined;
}

/** Why Baton cannot work with this agent at all (empty when it can). */
export function cardProblems(card: AgentCard): string[] {
  const problems: string[] = [];
  if (usableInterfaces(card).length === 0) {
    const offered = card.supportedInterfaces.map((i) => `${i.protocolBinding} ${i.protocolVersion || '?'}`);
    problems.push(
      `no interface Baton speaks (${BINDINGS.join(' or ')} at protocol 1.x); the card offers ${offered.join(', ')}`,
    );
  }
  if (inputShape(card) === undefined)
    problems.push(
      `it takes neither application/json nor text/plain input (defaultInputModes: ${card.defaultInputModes.join(', ')})`,
    );
  return problems;
}

/** The card as `validate --resolve-agents` checks it against the workflow. */
export function offerOf(card: AgentCard, url: string): AgentOffer {
  return {
    url,
    skills: card.skills.map((s) => ({
      id: s.id,
      tags: s.tags,
      inputModes: s.inputModes,
      outputModes: s.outputModes,
    })),
    defaultInputModes: card.defaultInputModes,
    defaultOutputModes: card.defaultOutputModes,
    problems: cardProblems(card),
  };
}
