// The A2A edge (served side): every registered workflow as an A2A agent over JSON-RPC, HTTP+JSON and gRPC.
// See a2a-edge.ts for the routes, workflow-agent.ts for what each operation does to a run.

export { A2AEdge, A2A_BODY_LIMIT_BYTES, type EdgeDeps } from './a2a-edge.js';
export { A2AService, a2aGrpcService } from './a2a-grpc.js';
export { requestIdOf } from './workflow-agent.js';
