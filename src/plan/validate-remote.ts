// Rules about remote A2A agents, checked when their cards were fetched (`baton validate --resolve-agents`):
// a card Baton cannot use is an error at the agent's endpoint, a task `requires` that the card does not
// offer is an error at that requirement, and a card that could not be fetched is a warning (not checked).
// A requirement is offered when it is a skill's id or one of its tags; `input:TYPE` / `output:TYPE` ask
// that some skill (or the agent's defaults) accepts / produces that media type.

import type { ErrorCode } from '../errors/registry.js';
import type { Diagnostic, DocPath } from '../spec/diagnostic.js';
import { errorAt } from '../spec/report.js';
import { quoteList, taskPath, type ValidationContext } from './context.js';

/** One skill of a card, as validation reads it (empty modes: the agent's defaults). */
export interface OfferedSkill {
  readonly id: string;
  readonly tags: readonly string[];
  readonly inputModes: readonly string[];
  readonly outputModes: readonly string[];
}

/** What a remote agent's card offers (made from the card by agents/a2a). */
export interface AgentOffer {
  /** Where the card was read (for messages). */
  readonly url: string;
  readonly skills: readonly OfferedSkill[];
  readonly defaultInputModes: readonly string[];
  readonly defaultOutputModes: readonly string[];
  /** Why Baton cannot work with this agent at all (no interface it speaks, no input it can send). */
  readonly problems: readonly string[];
}

/** A card per agent id: what it offers, or why it could not be had. */
export type AgentCardCheck =
  | { readonly ok: true; readonly offer: AgentOffer }
  | {
      readonly ok: false;
      readonly code: Extract<ErrorCode, 'BATON_E_AGENT_CARD_UNREACHABLE' | 'BATON_E_AGENT_CARD_INVALID'>;
      readonly message: string;
    };

/** Informal mode names cards use (the SDK's own samples say `text`) and the media type they mean. */
const ALIASES: Readonly<Record<string, string>> = {
  text: 'text/plain',
  json: 'application/json',
  data: 'application/json',
};

/**
 * Does a list of offered media types accept `wanted`? Parameters are ignored; `*` / `type/*` match;
 * `text`, `json` and `data` mean text/plain and application/json.
 */
export function acceptsMode(offered: readonly string[], wanted: string): boolean {
  const base = (m: string) => {
    const t = m.split(';')[0]!.trim().toLowerCase();
    return ALIASES[t] ?? t;
  };
  const w = base(wanted);
  return offered.some((o) => {
    const m = base(o);
    return m === w || m === '*/*' || m === '*' || (m.endsWith('/*') && w.startsWith(m.slice(0, -1)));
  });
}

/** The offer's skills with their effective modes (a skill without its own uses the defaults). */
function effective(offer: AgentOffer): OfferedSkill[] {
  const skills =
    offer.skills.length > 0 ? offer.skills : [{ id: '', tags: [], inputModes: [], outputModes: [] }];
  return skills.map((s) => ({
    ...s,
    inputModes: s.inputModes.length > 0 ? s.inputModes : offer.defaultInputModes,
    outputModes: s.outputModes.length > 0 ? s.outputModes : offer.defaultOutputModes,
  }));
}

/** Whether the offer meets one requirement of a task. */
export function offers(offer: AgentOffer, requirement: string): boolean {
  const skills = effective(offer);
  const mode = /^(input|output):(.+)$/.exec(requirement);
  if (mode !== null) {
    const modes = (s: OfferedSkill) => (mode[1] === 'input' ? s.inputModes : s.outputModes);
    // A card that names no media types at all says nothing against any.
    return skills.every((s) => modes(s).length === 0) || skills.some((s) => acceptsMode(modes(s), mode[2]!));
  }
  return offer.skills.some((s) => s.id === requirement || s.tags.includes(requirement));
}

function describeOffer(offer: AgentOffer): string {
  const skills = offer.skills.map((s) => (s.tags.length > 0 ? `${s.id} (tags ${s.tags.join(', ')})` : s.id));
  const input = [...new Set(effective(offer).flatMap((s) => s.inputModes))];
  const output = [...new Set(effective(offer).flatMap((s) => s.outputModes))];
  return [
    `skills: ${skills.length > 0 ? skills.join('; ') : 'none'}`,
    `input modes: ${input.length > 0 ? input.join(', ') : 'any'}`,
    `output modes: ${output.length > 0 ? output.join(', ') : 'any'}`,
  ].join('; ');
}

/**
 * Checks every A2A agent that has an entry in `cards` and the tasks given to it. Errors go to the
 * context; warnings (cards that could not be fetched) are returned.
 */
export function remoteAgentCards(
  ctx: ValidationContext,
  cards: ReadonlyMap<string, AgentCardCheck>,
): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  const usable = new Map<string, AgentOffer>();
  for (const [id, agent] of Object.entries(ctx.spec.agents)) {
    const check = cards.get(id);
    if (check === undefined || agent.endpoint === undefined || !('a2a' in agent.endpoint)) continue;
    const at: DocPath = ['workflow', 'agents', id, 'endpoint', 'a2a'];
    if (!check.ok && check.code === 'BATON_E_AGENT_CARD_UNREACHABLE') {
      const d = errorAt(
        check.code,
        `agent "${id}": ${check.message}; its card was not checked`,
        ctx.locator.locate(at),
        at,
      );
      warnings.push({ ...d, severity: 'warning' });
    } else if (!check.ok) {
      ctx.report(check.code, at, `agent "${id}": ${check.message}`);
    } else if (check.offer.problems.length > 0) {
      ctx.report(
        'BATON_E_AGENT_CARD_INVALID',
        at,
        `agent "${id}": Baton cannot work with the agent at ${check.offer.url}: ${check.offer.problems.join('; ')}`,
      );
    } else usable.set(id, check.offer);
  }
  ctx.spec.tasks.forEach((t, p) => {
    const offer = t.agent === undefined ? undefined : usable.get(t.agent);
    if (offer === undefined) return;
    t.requires?.forEach((r, k) => {
      if (offers(offer, r)) return;
      ctx.report(
        'BATON_E_AGENT_CARD_MISMATCH',
        taskPath(p, 'requires', k),
        `task "${t.id}" requires "${r}", which the card of agent "${t.agent}" (${offer.url}) does not offer`,
        {
          expected: `a skill id or tag, or input:TYPE / output:TYPE the card accepts (${describeOffer(offer)})`,
          hint:
            ctx.suggest(
              r,
              offer.skills.flatMap((s) => [s.id, ...s.tags]),
            ) ??
            (offer.skills.length > 0
              ? `skills offered: ${quoteList(offer.skills.map((s) => s.id))}`
              : 'the card lists no skills'),
        },
      );
    });
  });
  return warnings;
}
