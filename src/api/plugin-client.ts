// The CLI's client of a Baton server's PluginService (`baton plugin register|list --server`), in plain
// values; failed calls become BatonErrors carrying the server's own code (api/client.ts callError).

import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { BatonError } from '../errors/registry.js';
import { ANSWERS_OF_ANY_SIZE, callError, notGrpc } from './client.js';
import { PluginServiceClient, type Plugin } from './gen/baton/v1/plugin.js';

/** A stored plugin as the server reports it. */
export interface RemotePlugin {
  readonly name: string;
  readonly version: string;
  readonly kind: string;
  readonly sha256: string;
  readonly sizeBytes: number;
  /** ms since the Unix epoch. */
  readonly uploadedAt: number;
  readonly description: string;
}

/** Uploads carry up to 16 MiB of module: more than grpc-js's default 4 MiB. */
const MAX_MESSAGE_BYTES = 17 * 1024 * 1024;
const CALL_DEADLINE_MS = 60_000;

const fromPlugin = (p: Plugin): RemotePlugin => ({
  name: p.name,
  version: p.version,
  kind: p.kind,
  sha256: p.sha256,
  sizeBytes: p.sizeBytes,
  uploadedAt: p.uploadedAt?.getTime() ?? 0,
  description: p.description,
});

export class RemotePlugins {
  readonly #client: PluginServiceClient;

  constructor(readonly address: string) {
    this.#client = new PluginServiceClient(address, credentials.createInsecure(), {
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
      ...ANSWERS_OF_ANY_SIZE,
    });
  }

  close(): void {
    this.#client.close();
  }

  #unary<Req, Res>(rpc: string, req: Req): Promise<Res> {
    type Call = (
      req: Req,
      md: Metadata,
      opts: { deadline: number },
      cb: (err: ServiceError | null, res: Res) => void,
    ) => void;
    const method = rpc[0]!.toLowerCase() + rpc.slice(1);
    const fn = (this.#client as unknown as Record<string, Call>)[method]!;
    return new Promise((resolve, reject) => {
      fn.call(this.#client, req, new Metadata(), { deadline: Date.now() + CALL_DEADLINE_MS }, (err, res) => {
        if (!err) return resolve(res);
        if (
          err.code === status.UNIMPLEMENTED &&
          err.metadata.get('baton-error-bin').length === 0 &&
          notGrpc(err.details) === undefined
        )
          return reject(
            new BatonError(
              'BATON_E_SERVER_UNIMPLEMENTED',
              `server ${this.address} does not serve PluginService.${rpc}`,
            ),
          );
        reject(callError(err, this.address, rpc));
      });
    });
  }

  /** Uploads a plugin; `created` is false when the server already held these bytes under its name@version. */
  async upload(manifestJson: string, wasm: Uint8Array): Promise<{ plugin: RemotePlugin; created: boolean }> {
    const res = await this.#unary<object, { plugin?: Plugin; created: boolean }>('UploadPlugin', {
      manifestJson,
      wasm: Buffer.from(wasm),
    });
    return { plugin: fromPlugin(res.plugin!), created: res.created };
  }

  /** Every stored plugin (all pages), by name, highest version first. */
  async list(kind = ''): Promise<RemotePlugin[]> {
    const out: RemotePlugin[] = [];
    let pageToken = '';
    do {
      const res = await this.#unary<object, { plugins: Plugin[]; nextPageToken: string }>('ListPlugins', {
        kind,
        pageSize: 500,
        pageToken,
      });
      out.push(...res.plugins.map(fromPlugin));
      pageToken = res.nextPageToken;
    } while (pageToken !== '');
    return out;
  }
}
