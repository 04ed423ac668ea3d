// grpc.health.v1: the serving status of the server ("") and of each service, for load balancers and
// orchestrators. Check answers once; Watch streams the status now and on every change.

import { status as grpcStatus, type ServerWritableStream } from '@grpc/grpc-js';
import {
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthCheckRequest,
  type HealthCheckResponse,
  type HealthServer,
} from './gen/grpc/health/v1/health.js';
import { quote } from '../errors/quote.js';

export { ServingStatus };

type Watcher = ServerWritableStream<HealthCheckRequest, HealthCheckResponse>;

/** The statuses a server reports; `set` tells every watcher of that service. */
export class HealthStatus {
  readonly #statuses = new Map<string, ServingStatus>();
  readonly #watchers = new Set<Watcher>();

  constructor(services: readonly string[]) {
    for (const name of ['', ...services]) this.#statuses.set(name, ServingStatus.SERVING);
  }

  /** Sets one service's status, or every service's when `service` is omitted (e.g. at shutdown). */
  set(status: ServingStatus, service?: string): void {
    const changed = new Set<string>();
    for (const name of service === undefined ? [...this.#statuses.keys()] : [service]) {
      if (this.#statuses.get(name) !== status) changed.add(name);
      this.#statuses.set(name, status);
    }
    // grpc.health.v1: a watcher hears a status only when it changes.
    for (const w of this.#watchers) {
      if (changed.has(w.request.service)) w.write({ status: this.#of(w.request.service) });
    }
  }

  /** Ends every Watch stream (after a last status), so a server shutting down is not held open by them. */
  close(): void {
    for (const w of this.#watchers) w.end();
    this.#watchers.clear();
  }

  readonly handlers: HealthServer = {
    check: (call, callback) => {
      const status = this.#statuses.get(call.request.service);
      if (status === undefined)
        callback({ code: grpcStatus.NOT_FOUND, details: `unknown service ${quote(call.request.service)}` });
      else callback(null, { status });
    },
    watch: (call) => {
      this.#watchers.add(call);
      call.on('cancelled', () => this.#watchers.delete(call));
      call.write({ status: this.#of(call.request.service) });
    },
  };

  #of(service: string): ServingStatus {
    return this.#statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN;
  }
}
