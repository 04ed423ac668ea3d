// For bench:engine with BENCH_TELEMETRY=1: an OTLP/HTTP sink on loopback that reads and discards what
// the exporter sends (counting requests and bytes), the SDK exporting to it with a Prometheus reader
// beside, and a switch between telemetry on and off within one process, so the two are measured
// interleaved under the same machine load. BENCH_TELEMETRY_PARTS=traces|metrics turns on one part only.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTelemetry, type Telemetry } from '../src/app-telemetry.js';
import { bindMetrics, unbindMetrics } from '../src/telemetry/metrics.js';
import { setTracing } from '../src/telemetry/tracing.js';

export interface TelemetryBench {
  /** Turns recording on (spans exported, metrics recorded) or off (the code paths of a process without telemetry). */
  set(on: boolean): void;
  /** Exports what is buffered and collects the metrics once, as a flush and a scrape would. */
  settle(): Promise<void>;
  readonly received: { requests: number; bytes: number };
  close(): Promise<void>;
}

export async function telemetryBench(): Promise<TelemetryBench> {
  const received = { requests: 0, bytes: 0 };
  const sink: Server = createServer((req, res) => {
    req.on('data', (c: Buffer) => (received.bytes += c.length));
    req.on('end', () => {
      received.requests++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  // Every span exported (the default queue of 2,048 drops most of a W4 sample's spans, which costs less).
  process.env['OTEL_BSP_MAX_QUEUE_SIZE'] ??= '200000';
  process.env['OTEL_BSP_MAX_EXPORT_BATCH_SIZE'] ??= '2048';
  const telemetry: Telemetry = await startTelemetry({ traces: 'otlp', prometheus: true });
  const scrape = telemetry.metricsHandler!;
  // BENCH_TELEMETRY_PARTS=traces (or metrics) turns on only that part, to see which costs what.
  const parts = (process.env['BENCH_TELEMETRY_PARTS'] ?? 'traces,metrics').split(',');
  return {
    received,
    set(on) {
      setTracing(on && parts.includes('traces'));
      if (on && parts.includes('metrics')) bindMetrics();
      else unbindMetrics();
    },
    async settle() {
      await telemetry.flush();
      await new Promise<void>((resolve) => {
        const res = {
          statusCode: 200,
          setHeader: () => undefined,
          writeHead: () => res,
          end: () => resolve(),
        };
        scrape({} as never, res as never);
      });
    },
    async close() {
      await telemetry.shutdown();
      await new Promise((resolve) => sink.close(resolve));
    },
  };
}
