/**
 * `baton tenant create`: a tenant for an installation whose services run apart
 * (`baton serve`). It opens identity's own store from the data directory (or
 * BATON_DATABASE_URL), as the identity service would, and prints the credentials once.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ADMIN_APP_ROLES, MANAGEMENT_PATHS } from '@baton/contracts';
import { createHttpsFetch, createLogger, loadConfig, loadSecretKey } from '@baton/kit';
import { consoleSignInLink, registerConsoleApp } from '../host/console-app.js';
import { loadServiceCredentials } from '../host/credentials.js';
import { SERVICE_FACTORIES, type IdentityRuntime } from '../host/services.js';

export interface TenantCreateOptions {
  domain: string;
  name?: string;
  admin?: string;
  password?: string;
  managementUrl: string;
  identityUrl: string;
  /** The origin that serves the web console (`baton up`'s URL): the console is registered in the tenant. */
  consoleUrl?: string;
  data?: string;
  json?: boolean;
}

export async function tenantCreate(options: TenantCreateOptions): Promise<void> {
  const config = loadConfig(process.env, { ...(options.data ? { dataDir: options.data } : {}), logLevel: 'silent' });
  const urls = [['--management-url', options.managementUrl], ['--identity-url', options.identityUrl], ...(options.consoleUrl !== undefined ? [['--console-url', options.consoleUrl] as const] : [])] as const;
  for (const [flag, url] of urls) {
    if (!URL.canParse(url) || new URL(url).protocol !== 'https:') throw new Error(`${flag} must be an https URL, got "${url}"`);
  }
  const management = options.managementUrl.replace(/\/+$/, '');
  const identityUrl = options.identityUrl.replace(/\/+$/, '');
  const fetch = createHttpsFetch();
  const identity = (await SERVICE_FACTORIES.identity({
    config,
    urls: { discovery: identityUrl, identity: identityUrl, management },
    fetch,
    logger: createLogger('silent'),
    secretKey: loadSecretKey(config.dataDir, config.secretKey),
    serviceCredentials: loadServiceCredentials(config.dataDir),
  })) as IdentityRuntime;
  try {
    // bootstrapTenant completes an existing tenant for `baton up`'s demo seed; here a second
    // run would print a password and secret the existing tenant does not have, so an
    // existing domain is refused instead.
    const existing = await identity.store.findTenantByDomain(options.domain);
    if (existing) throw new Error(`tenant ${options.domain} already exists (${existing.id})`);
    const password = options.password ?? `Baton-${randomBytes(9).toString('base64url')}`;
    const clientSecret = randomBytes(32).toString('base64url');
    const upn = options.admin ?? `admin@${options.domain}`;
    const result = await identity.bootstrapTenant({
      domain: options.domain,
      displayName: options.name ?? options.domain,
      branding: { companyName: options.name ?? options.domain },
      admin: { upn, password, displayName: 'Administrator' },
      adminApp: { clientId: randomUUID(), secret: clientSecret, roles: ADMIN_APP_ROLES },
      mdmApp: { discoveryUrl: `${management}${MANAGEMENT_PATHS.discovery}` },
    });
    const consoleApp = options.consoleUrl ? await registerConsoleApp(identity, result.tenantId, options.consoleUrl) : undefined;
    const out = {
      tenantId: result.tenantId,
      domain: result.domain,
      authority: `${identityUrl}/${result.tenantId}`,
      admin: { upn, password },
      adminApp: { clientId: result.adminClientId, clientSecret },
      ...(consoleApp ? { console: { clientId: consoleApp.clientId, url: consoleSignInLink(consoleApp.redirectUri, result.domain, consoleApp.clientId) } } : {}),
    };
    if (options.json) {
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    } else {
      process.stdout.write(
        [
          `Tenant ${out.domain} (${out.tenantId})`,
          `  authority      ${out.authority}`,
          `  admin          ${upn} / ${password}`,
          `  admin app      client id ${out.adminApp.clientId}`,
          `                 secret    ${clientSecret}  (shown once)`,
          ...(out.console ? [`  console        ${out.console.url}`] : []),
          '',
        ].join('\n'),
      );
    }
  } finally {
    await identity.stop();
    await fetch.close();
  }
}
