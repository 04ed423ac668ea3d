// Baton's traces through the OpenTelemetry API: span helpers for the runtime and W3C trace context in and
// out (traceparent/tracestate). The composition root (src/app-telemetry.ts) installs the SDK and turns
// tracing on; until then every helper returns at once, so a process without an exporter pays nothing.
// Span names follow the GenAI semantic conventions (`invoke_workflow {workflow}`, `invoke_agent {agent}`);
// Baton's own spans are `baton.*`.

import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';

import type { SpanKind } from '@opentelemetry/api';
export { SpanKind, type Context, type Span, type Attributes } from '@opentelemetry/api';

let on = false;

/** Set by the composition root once a TracerProvider is registered (and cleared at its shutdown). */
export function setTracing(enabled: boolean): void {
  on = enabled;
}

export const tracingOn = (): boolean => on;

const tracer = () => trace.getTracer('baton');

/** The trace headers of `ctx` (the active context by default): traceparent and, when set, tracestate. */
export function traceHeaders(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  if (on) propagation.inject(ctx, carrier);
  return carrier;
}

/**
 * The W3C traceparent of the active span, or undefined when tracing is off or no span is active. For
 * callers that hand the trace on by other means than HTTP headers: exec hooks set it as the TRACEPARENT
 * environment variable, webhooks send it as the `traceparent` header, workers get it in their assignment.
 */
export function currentTraceparent(ctx: Context = context.active()): string | undefined {
  if (!on || trace.getSpan(ctx) === undefined) return undefined;
  return traceHeaders(ctx)['traceparent'];
}

/** The context a traceparent (and tracestate) names, as the parent of spans started under it. */
export function contextOf(
  traceparent: string | undefined,
  tracestate?: string,
  base: Context = ROOT_CONTEXT,
): Context {
  if (!on || traceparent === undefined) return base;
  const carrier: Record<string, string> = { traceparent };
  if (tracestate !== undefined) carrier['tracestate'] = tracestate;
  return propagation.extract(base, carrier);
}

/** Reads trace context from a getter over headers or metadata (a gRPC call's metadata). */
export function extractFrom(get: (key: string) => string | undefined, base: Context = ROOT_CONTEXT): Context {
  if (!on) return base;
  return propagation.extract(base, null, {
    keys: () => ['traceparent', 'tracestate'],
    get: (_carrier, key) => get(key),
  });
}

export const activeContext = (): Context => context.active();

/** Runs `fn` with `ctx` active (so spans and outgoing calls made inside it join that trace). */
export function withContext<T>(ctx: Context | undefined, fn: () => T): T {
  return on && ctx !== undefined ? context.with(ctx, fn) : fn();
}

/** A started span and the context that has it active (the parent of what is done under it). */
export interface Spanned {
  readonly span: Span;
  readonly ctx: Context;
}

/** Starts a span under `parent` (or the active context); undefined when tracing is off. */
export function startSpan(
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  parent?: Context,
  startTime?: number,
): Spanned | undefined {
  if (!on) return undefined;
  const p = parent ?? context.active();
  const span = tracer().startSpan(
    name,
    { kind, attributes, ...(startTime === undefined ? {} : { startTime }) },
    p,
  );
  return { span, ctx: trace.setSpan(p, span) };
}

/** Ends a span: an error sets its status (and records it as an exception event). */
export function endSpan(s: Spanned | undefined, error?: unknown): void {
  if (s === undefined) return;
  if (error !== undefined && error !== null) {
    const m: unknown = error instanceof Error ? error.message : (error as { message?: unknown }).message;
    s.span.setStatus({ code: SpanStatusCode.ERROR, message: typeof m === 'string' ? m : 'failed' });
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') s.span.setAttribute('error.type', code);
  }
  s.span.end();
}

/** The traceparent of a span (for the journal: a resumed run continues the trace under it). */
export function traceparentOf(s: Spanned | undefined): string | undefined {
  if (s === undefined) return undefined;
  // Formatted here rather than by the propagator: one per attempt, on the engine's hot path.
  const { traceId, spanId, traceFlags } = s.span.spanContext();
  return `00-${traceId}-${spanId}-${traceFlags & 1 ? '01' : '00'}`;
}

/** Runs `fn` in a span that ends when its promise settles (a failure marks the span). */
export async function inSpan<T>(
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  parent: Context | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  const s = startSpan(name, kind, attributes, parent);
  if (s === undefined) return fn();
  try {
    const out = await context.with(s.ctx, fn);
    endSpan(s);
    return out;
  } catch (e) {
    endSpan(s, e);
    throw e;
  }
}
