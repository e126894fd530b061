/** `baton up`: all three services on one HTTPS origin, with the demo tenant seeded. */
import { loadConfig, type BatonConfig } from '@baton/kit';
import { startBaton } from '../host/start.js';
import { demoFile, seedDemo } from '../host/demo.js';
import { SERVICE_NAMES } from '@baton/contracts';
import type { IdentityRuntime } from '../host/services.js';
import { mountConsole } from '../host/console.js';

export interface UpOptions {
  port?: string;
  data?: string;
  host?: string;
  hostname?: string[];
}

export async function up(options: UpOptions): Promise<void> {
  const config: BatonConfig = loadConfig(process.env, {
    ...(options.port !== undefined ? { port: Number(options.port) } : {}),
    ...(options.data ? { dataDir: options.data } : {}),
    ...(options.host ? { host: options.host } : {}),
    ...(options.hostname?.length ? { hostnames: options.hostname } : {}),
  });
  const started = Date.now();
  const web = mountConsole();
  const baton = await startBaton({ config, services: [...SERVICE_NAMES], quiet: config.logLevel === 'silent', mount: web.mount });
  const demo = await seedDemo({
    dataDir: config.dataDir,
    url: baton.url,
    urls: baton.urls,
    caPath: baton.caPath,
    identity: baton.runtimes.identity as IdentityRuntime,
    fetch: (await import('@baton/kit')).createHttpsFetch({ caPem: baton.caPem }),
  });
  web.setDemo(demo);
  const consoleNote = await web.note;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const lines = [
    '',
    `Baton is up at ${baton.url} (started in ${seconds}s; data in ${config.dataDir}${config.databaseUrl ? ', PostgreSQL' : ', SQLite'})`,
    '',
    `  Device lookup (discovery)   ${baton.urls.discovery}/ztd/v1/lookup`,
    `  Web console                 ${baton.url}/console/  (sign in as ${demo.user.upn}; ${consoleNote})`,
    `  Graph API                   ${baton.url}/graph/v1.0  and  ${baton.url}/graph/beta`,
    `  Identity authority          ${demo.authority}`,
    `  OpenID configuration        ${demo.authority}/v2.0/.well-known/openid-configuration`,
    `  MDM enrollment (MS-MDE2)    ${baton.urls.management}/EnrollmentServer/Discovery.svc`,
    '',
    `  Demo tenant                 ${demo.domain} (${demo.tenantId})`,
    `  Demo admin                  ${demo.user.upn} / ${demo.user.password}`,
    `  Admin app (Graph)           client id ${demo.adminApp.clientId}; secret in ${demoFile(config.dataDir)}`,
    `  Local CA                    ${baton.caPath}`,
    '',
    `  Trust the CA:               export NODE_EXTRA_CA_CERTS=${baton.caPath}`,
    `  Take 20 devices through:    npx baton simulate --devices 20 --data ${config.dataDir}`,
    `  Route ownership:            npx baton routes`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  installShutdown(() => baton.close());
}

export function installShutdown(close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: draining and stopping Baton\n`);
    close()
      .then(() => process.exit(0))
      .catch((error) => {
        process.stderr.write(`shutdown failed: ${String(error)}\n`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
