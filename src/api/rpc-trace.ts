// A SERVER span per gRPC call (`baton.v1.RunService/StartRun`, rpc.* attributes), under the caller's
// trace context when its metadata carries a W3C traceparent. The handler runs with the span active, so a
// StartRun's run is part of the caller's trace. With tracing off the interceptor passes calls through.

import {
  ServerInterceptingCall,
  status as GrpcStatus,
  type Metadata,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import {
  endSpan,
  extractFrom,
  SpanKind,
  startSpan,
  tracingOn,
  withContext,
  type Spanned,
} from '../telemetry/tracing.js';

type Listener = Parameters<ServerInterceptingCallInterface['start']>[0];
type Status = Parameters<ServerInterceptingCallInterface['sendStatus']>[0];

const first = (md: Metadata, key: string): string | undefined => {
  const v = md.get(key)[0];
  return typeof v === 'string' ? v : undefined;
};

class TracedCall extends ServerInterceptingCall {
  private span: Spanned | undefined;

  constructor(
    private readonly inner: ServerInterceptingCallInterface,
    private readonly path: string,
  ) {
    super(inner);
  }

  override start(listener: Listener): void {
    this.inner.start({
      onReceiveMetadata: (md) => {
        const [, service = '', method = ''] = this.path.split('/');
        this.span = startSpan(
          `${service}/${method}`,
          SpanKind.SERVER,
          { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method },
          extractFrom((k) => first(md, k)),
        );
        withContext(this.span?.ctx, () => listener.onReceiveMetadata(md));
      },
      onReceiveMessage: (message: unknown) =>
        withContext(this.span?.ctx, () => listener.onReceiveMessage(message)),
      onReceiveHalfClose: () => withContext(this.span?.ctx, () => listener.onReceiveHalfClose()),
      onCancel: () => {
        this.end(GrpcStatus.CANCELLED, 'cancelled by the client');
        listener.onCancel();
      },
    });
  }

  override sendStatus(status: Status): void {
    this.end(status.code, status.details);
    super.sendStatus(status);
  }

  private end(code: number, details: string): void {
    const s = this.span;
    if (s === undefined) return;
    this.span = undefined;
    s.span.setAttribute('rpc.grpc.status_code', code);
    endSpan(s, code === (GrpcStatus.OK as number) ? undefined : { message: details || `status ${code}` });
  }
}

/** The interceptor (first in the server's list, so every other one runs inside the span). */
export function rpcTracing(): ServerInterceptor {
  return (method, call) =>
    tracingOn() ? new TracedCall(call, method.path) : new ServerInterceptingCall(call);
}
