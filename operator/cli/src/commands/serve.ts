/** `baton serve <service>`: one service on its own port, peers reached by URL. */
import { SERVICE_NAMES, type ServiceName } from '@baton/contracts';
import { loadConfig } from '@baton/kit';
import { startBaton } from '../host/start.js';
import { installShutdown } from './up.js';

export interface ServeOptions {
  port?: string;
  data?: string;
  host?: string;
  discoveryUrl?: string;
  identityUrl?: string;
  managementUrl?: string;
}

export async function serve(service: string, options: ServeOptions): Promise<void> {
  if (!SERVICE_NAMES.includes(service as ServiceName)) {
    throw new Error(`unknown service "${service}"; expected one of ${SERVICE_NAMES.join(', ')}`);
  }
  const config = loadConfig(process.env, {
    ...(options.port !== undefined ? { port: Number(options.port) } : {}),
    ...(options.data ? { dataDir: options.data } : {}),
    ...(options.host ? { host: options.host } : {}),
  });
  const env = process.env;
  const baton = await startBaton({
    config,
    services: [service as ServiceName],
    peerUrls: {
      discovery: options.discoveryUrl ?? env.BATON_DISCOVERY_URL,
      identity: options.identityUrl ?? env.BATON_IDENTITY_URL,
      management: options.managementUrl ?? env.BATON_MANAGEMENT_URL,
    },
  });
  process.stdout.write(`Baton ${service} is serving at ${baton.url} (CA ${baton.caPath})\n`);
  installShutdown(() => baton.close());
}
