// The composition root's telemetry half: installs the OpenTelemetry SDK (sdk-node) when traces are
// exported or metrics served, and turns on what src/telemetry records. Nothing is installed otherwise,
// so a process with neither pays nothing. Traces go where OTEL_TRACES_EXPORTER says (otlp, console or
// none; Baton's default is none), over OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL (http/protobuf, http/json or
// grpc) to OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT; metrics are read by the Prometheus exporter, which
// `baton serve --http` serves on /metrics.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { MetricReader } from '@opentelemetry/sdk-metrics';
import { BatonError } from './errors/registry.js';
import { fault } from './telemetry/faults.js';
import { logger } from './telemetry/logger.js';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { bindMetrics, unbindMetrics } from './telemetry/metrics.js';
import { setTracing } from './telemetry/tracing.js';

export interface TelemetryOptions {
  /** Where traces go: `otlp`, `console` or `none`; default OTEL_TRACES_EXPORTER, else none. */
  readonly traces?: string;
  /** Collect metrics for a Prometheus scrape (`metricsHandler`). */
  readonly prometheus?: boolean;
  /** The service.name resource attribute; OTEL_SERVICE_NAME wins, default `baton`. */
  readonly serviceName?: string;
  /** Span processors of the caller's own (tests: an in-memory exporter), used besides `traces`. */
  readonly spanProcessors?: readonly SpanProcessor[];
  /** Metric readers of the caller's own (tests, benchmarks). */
  readonly metricReaders?: readonly MetricReader[];
}

export interface Telemetry {
  /** Answers a Prometheus scrape in the text format (when `prometheus` was asked for). */
  readonly metricsHandler?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Exports the spans buffered so far (benchmarks count the export in what tracing costs). */
  flush(): Promise<void>;
  /** Flushes what is buffered (spans) and uninstalls the SDK. */
  shutdown(): Promise<void>;
}

const OFF: Telemetry = { flush: () => Promise.resolve(), shutdown: () => Promise.resolve() };

/** The span exporter a name and protocol pick (the OTLP exporters read the OTEL_EXPORTER_OTLP_* rest). */
async function spanExporter(name: string): Promise<SpanExporter | undefined> {
  if (name === 'none' || name === '') return undefined;
  if (name === 'console') return new (await import('@opentelemetry/sdk-trace-base')).ConsoleSpanExporter();
  if (name !== 'otlp')
    throw new BatonError(
      'BATON_E_CONFIG_INVALID',
      `OTEL_TRACES_EXPORTER: "${name}" is not otlp, console or none`,
    );
  const protocol =
    process.env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'] ??
    process.env['OTEL_EXPORTER_OTLP_PROTOCOL'] ??
    'http/protobuf';
  switch (protocol) {
    case 'grpc':
      return new (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter();
    case 'http/json':
      return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
    case 'http/protobuf':
      return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
    default:
      throw new BatonError(
        'BATON_E_CONFIG_INVALID',
        `OTEL_EXPORTER_OTLP_PROTOCOL: "${protocol}" is not grpc, http/protobuf or http/json`,
      );
  }
}

/** Installs the SDK for what `o` asks (or nothing). Call once per process, before engines start runs. */
export async function startTelemetry(o: TelemetryOptions = {}): Promise<Telemetry> {
  const name = (o.traces ?? process.env['OTEL_TRACES_EXPORTER'] ?? 'none').trim().toLowerCase();
  const exporter = await spanExporter(name);
  if (exporter === undefined && !o.prometheus && !o.spanProcessors?.length && !o.metricReaders?.length)
    return OFF;
  // Loaded only now: the SDK costs start-up time a process without telemetry should not pay.
  const [{ NodeSDK }, { BatchSpanProcessor }, { PrometheusExporter }, { envDetector, processDetector }] =
    await Promise.all([
      import('@opentelemetry/sdk-node'),
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/exporter-prometheus'),
      import('@opentelemetry/resources'),
    ]);
  const spanProcessors: SpanProcessor[] = [...(o.spanProcessors ?? [])];
  if (exporter) spanProcessors.push(new BatchSpanProcessor(exporter));
  const prometheus = o.prometheus ? new PrometheusExporter({ preventServerStart: true }) : undefined;
  const metricReaders: MetricReader[] = [...(o.metricReaders ?? [])];
  if (prometheus) metricReaders.push(prometheus);
  const sdk = new NodeSDK({
    serviceName: process.env['OTEL_SERVICE_NAME'] ?? o.serviceName ?? 'baton',
    spanProcessors,
    metricReaders,
    // Baton's own spans only: grpc and http auto-instrumentation would need require hooks (ESM loader).
    instrumentations: [],
    // Logs are pino's (telemetry/logger.ts), not OTLP: no logger provider from OTEL_LOGS_EXPORTER.
    logRecordProcessors: [],
    // OTEL_RESOURCE_ATTRIBUTES and the process; the host detector reads machine ids, not needed here.
    resourceDetectors: [envDetector, processDetector],
  });
  // The SDK's own problems (an export the collector refused, a dropped span) are warn records of
  // component `otel`; OTEL_LOG_LEVEL, when set, is the SDK's own console logger instead.
  if (process.env['OTEL_LOG_LEVEL'] === undefined) {
    const log = logger('otel');
    const line = (m: string, args: unknown[]) => [m, ...args.map(String)].join(' ');
    diag.setLogger(
      {
        error: (m, ...a) => log.error(line(m, a)),
        warn: (m, ...a) => log.warn(line(m, a)),
        info: (m, ...a) => log.info(line(m, a)),
        debug: (m, ...a) => log.debug(line(m, a)),
        verbose: (m, ...a) => log.trace(line(m, a)),
      },
      DiagLogLevel.WARN,
    );
  }
  sdk.start();
  if (spanProcessors.length > 0) setTracing(true);
  if (metricReaders.length > 0) bindMetrics();
  return {
    ...(prometheus && {
      metricsHandler: (req: IncomingMessage, res: ServerResponse) =>
        prometheus.getMetricsRequestHandler(req, res),
    }),
    async flush() {
      await Promise.all(spanProcessors.map((p) => p.forceFlush()));
    },
    async shutdown() {
      setTracing(false);
      unbindMetrics();
      // A collector that cannot be reached loses the last spans; the process still ends as it would have.
      await sdk
        .shutdown()
        .catch((e: unknown) => fault('telemetry', 'exporting the last spans at shutdown', e));
    },
  };
}
