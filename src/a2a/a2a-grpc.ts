// The A2A gRPC transport on Baton's gRPC server: one lf.a2a.v1.A2AService for every served workflow, the
// workflow named by the request's `tenant` (each card's GRPC interface carries it, and the SDK's client
// puts it in every request). Protocol 1.0 only: the SDK's v0.3 gRPC service (a2a.v1.A2AService) has no
// tenant, so it could not say which workflow a call is for.

import type { ServerUnaryCall, ServerWritableStream } from '@grpc/grpc-js';
import { A2A_PROTOCOL_VERSION, type AgentCard } from '@a2a-js/sdk';
import { RequestMalformedError } from '@a2a-js/sdk/errors';
import type { A2ARequestHandler, ServerCallContext } from '@a2a-js/sdk/server';
import { A2AService, grpcService, UserBuilder } from '@a2a-js/sdk/server/grpc';
import { CALL_HEADER, openCall } from './call-signals.js';
import type { A2AEdge } from './a2a-edge.js';
import type { WorkflowAgent } from './workflow-agent.js';

export { A2AService };

type Handler = A2ARequestHandler;

/** Routes each call to the handler of the workflow its tenant names. */
class TenantRouter implements Handler {
  constructor(private readonly edge: A2AEdge) {}

  private async agent(context: ServerCallContext): Promise<WorkflowAgent> {
    const name = context.tenant ?? '';
    if (name === '')
      throw new RequestMalformedError(
        "tenant is required: the name of the workflow (its card's GRPC interface says it)",
      );
    const agent = await this.edge.agent(name);
    if (agent === undefined)
      throw new RequestMalformedError(`no workflow named ${JSON.stringify(name)} is registered`);
    return agent;
  }

  /** What the transport checks the requested version against: gRPC at 1.0. */
  getAgentCard(): Promise<AgentCard> {
    return Promise.resolve({
      name: 'baton',
      description: 'Baton workflows as A2A agents (tenant = workflow name)',
      supportedInterfaces: [
        {
          url: this.edge.servedAt().grpc ?? '',
          protocolBinding: 'GRPC',
          tenant: '',
          protocolVersion: A2A_PROTOCOL_VERSION,
        },
      ],
      provider: undefined,
      version: '1',
      capabilities: { streaming: true, pushNotifications: false, extensions: [], extendedAgentCard: false },
      securitySchemes: {},
      securityRequirements: [],
      defaultInputModes: [],
      defaultOutputModes: [],
      skills: [],
      signatures: [],
    });
  }

  getAuthenticatedExtendedAgentCard: Handler['getAuthenticatedExtendedAgentCard'] = async (p, c) =>
    (await this.agent(c)).getAuthenticatedExtendedAgentCard();
  sendMessage: Handler['sendMessage'] = async (p, c) => (await this.agent(c)).sendMessage(p, c);
  sendMessageStream: Handler['sendMessageStream'] = async function* (this: TenantRouter, p, c) {
    yield* (await this.agent(c)).sendMessageStream(p, c);
  };
  getTask: Handler['getTask'] = async (p, c) => (await this.agent(c)).getTask(p);
  cancelTask: Handler['cancelTask'] = async (p, c) => (await this.agent(c)).cancelTask(p, c);
  resubscribe: Handler['resubscribe'] = async function* (this: TenantRouter, p, c) {
    yield* (await this.agent(c)).resubscribe(p, c);
  };
  listTasks: Handler['listTasks'] = async (p, c) => (await this.agent(c)).listTasks(p);
  createTaskPushNotificationConfig: Handler['createTaskPushNotificationConfig'] = async (p, c) =>
    (await this.agent(c)).createTaskPushNotificationConfig();
  getTaskPushNotificationConfig: Handler['getTaskPushNotificationConfig'] = async (p, c) =>
    (await this.agent(c)).getTaskPushNotificationConfig();
  listTaskPushNotificationConfigs: Handler['listTaskPushNotificationConfigs'] = async (p, c) =>
    (await this.agent(c)).listTaskPushNotificationConfigs();
  deleteTaskPushNotificationConfig: Handler['deleteTaskPushNotificationConfig'] = async (p, c) =>
    (await this.agent(c)).deleteTaskPushNotificationConfig();
}

type AnyCall = (ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>) &
  Pick<NodeJS.EventEmitter, 'once'>;

/**
 * The service implementation to add with `server.addService(A2AService, a2aGrpcService(edge))`. Each
 * call gets a call id in its metadata, so a handler learns when its caller cancels (call-signals.ts).
 */
export function a2aGrpcService(edge: A2AEdge): ReturnType<typeof grpcService> {
  const impl = grpcService({
    requestHandler: new TenantRouter(edge),
    userBuilder: UserBuilder.noAuthentication,
  });
  const out: Record<string, unknown> = {};
  for (const [method, handler] of Object.entries(impl)) {
    out[method] = (call: AnyCall, callback?: (...args: unknown[]) => void) => {
      const c = openCall();
      call.metadata.set(CALL_HEADER, c.id);
      for (const event of ['cancelled', 'finish', 'close', 'error']) call.once(event, c.end);
      const done = callback && ((...args: unknown[]) => (c.end(), callback(...args)));
      (handler as (call: AnyCall, cb?: unknown) => void)(call, done);
    };
  }
  return out as ReturnType<typeof grpcService>;
}
