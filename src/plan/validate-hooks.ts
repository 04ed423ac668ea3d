// Rules about a workflow's `hooks:` list beyond its schema: names unique (the journal and the logs name
// hooks), a matcher field only where its trigger has that subject, and a command that fits its kind.

import type { ValidationContext } from './context.js';

const TOOL_TRIGGERS = new Set(['pre_search', 'pre_edit', 'pre_command', 'post_command', 'post_edit']);
const RUN_TRIGGERS = new Set(['session_start', 'session_end', 'session_restore']);
const WASM_REF = /^[a-z0-9][a-z0-9_.-]*(\/[a-z0-9][a-z0-9_.-]*)?@[0-9][^\s/]*$/i;

export function hookRules(ctx: ValidationContext): void {
  const seen = new Map<string, number>();
  ctx.spec.hooks?.forEach((h, hi) => {
    const at = (...rest: Array<string | number>) => ['workflow', 'hooks', hi, ...rest];
    const first = seen.get(h.name);
    if (first !== undefined) {
      ctx.report(
        'BATON_E_HOOK_INVALID',
        at('name'),
        `hook name "${h.name}" is already used by hook ${first + 1}`,
        {
          hint: 'hook names must be unique within a workflow: the journal and the logs name hooks by them',
        },
      );
    } else seen.set(h.name, hi);
    if (h.matcher?.tool !== undefined && !TOOL_TRIGGERS.has(h.trigger)) {
      ctx.report(
        'BATON_E_HOOK_INVALID',
        at('matcher', 'tool'),
        `hook "${h.name}" (${h.trigger}) matches a tool, but ${h.trigger} fires for no tool call`,
        {
          expected: 'matcher.tool only on pre_search, pre_edit, pre_command, post_command or post_edit',
        },
      );
    }
    const subject =
      h.matcher?.task !== undefined || h.matcher?.agent !== undefined || (h.tasks?.length ?? 0) > 0;
    if (subject && RUN_TRIGGERS.has(h.trigger)) {
      ctx.report(
        'BATON_E_HOOK_INVALID',
        at('matcher'),
        `hook "${h.name}" (${h.trigger}) is limited to tasks or agents, but ${h.trigger} fires once per run`,
        {
          hint: 'drop the task/agent matcher, or use a task trigger (pre_task, post_task)',
        },
      );
    }
    if (h.kind === 'http' && !/^https?:\/\//i.test(h.command)) {
      ctx.report(
        'BATON_E_HOOK_INVALID',
        at('command'),
        `hook "${h.name}" is an http hook, but its command is not an http(s) URL`,
      );
    }
    if (h.kind === 'wasm' && !WASM_REF.test(h.command)) {
      ctx.report(
        'BATON_E_HOOK_INVALID',
        at('command'),
        `hook "${h.name}" is a wasm hook, but its command is not a plugin reference`,
        {
          expected: 'name@version of a registered hook plugin, e.g. acme/guard@1.0.0',
        },
      );
    }
  });
}
