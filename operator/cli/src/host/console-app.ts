/**
 * The web console's app registration in a tenant: a public SPA client (no secret) whose one
 * redirect URI is `<origin>/console/`. In the demo tenant it is registered through identity's
 * Graph API with the admin application's token, as an administrator would register it, and
 * found again by its appId on the next start, so `baton up` keeps one registration per tenant.
 * `baton tenant create --console-url` registers one in the tenant it creates, and the sign-in
 * link it prints names both (`consoleSignInLink`).
 */
import { GRAPH_RESOURCE } from '@baton/contracts';
import type { Fetch } from '@baton/kit';
import type { IdentityRuntime } from '@baton/identity';
import type { DemoInfo } from './demo.js';
import { adminToken, graphJson } from './demo.js';

/** Graph's appId, whose delegated permissions the console asks for. */
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

export const CONSOLE_APP_NAME = 'Baton console';

export function consoleRedirectUri(url: string): string {
  return `${url.replace(/\/+$/, '')}/console/`;
}

export async function ensureConsoleApp(
  demo: DemoInfo,
  previous: DemoInfo['consoleApp'],
  options: { url: string; urls: { identity: string }; fetch: Fetch },
): Promise<{ clientId: string; redirectUri: string }> {
  const redirectUri = consoleRedirectUri(options.url);
  const headers = { authorization: `Bearer ${await adminToken(demo, options.fetch)}`, 'content-type': 'application/json' };
  const base = `${options.urls.identity}/graph/v1.0/applications`;
  const existing = previous ? await findApplication(options.fetch, base, previous.clientId, headers) : undefined;
  if (existing) {
    // The origin changes when Baton is started on another port or host name.
    const uris: string[] = existing.web?.redirectUris ?? [];
    if (!uris.includes(redirectUri)) {
      await graphJson(options.fetch, `${base}/${existing.id}`, { method: 'PATCH', headers, body: JSON.stringify({ web: { redirectUris: [...uris, redirectUri] } }) });
    }
    return { clientId: existing.appId, redirectUri };
  }
  const created = await graphJson(options.fetch, base, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      displayName: CONSOLE_APP_NAME,
      spa: { redirectUris: [redirectUri] },
      requiredResourceAccess: [{ resourceAppId: GRAPH_APP_ID, resourceAccess: [] }],
    }),
  });
  return { clientId: created.appId as string, redirectUri };
}

/** Registers the console in a tenant through identity's runtime (the host CLI's own identity, as `tenant create` opens it). */
export async function registerConsoleApp(identity: Pick<IdentityRuntime, 'registerApplication'>, tenantId: string, url: string): Promise<{ clientId: string; redirectUri: string }> {
  const redirectUri = consoleRedirectUri(url);
  const { appId } = await identity.registerApplication(tenantId, { displayName: CONSOLE_APP_NAME, redirectUris: [redirectUri] });
  return { clientId: appId, redirectUri };
}

/** The link that opens the console signed in to this tenant (the console reads `tenant` and `client`). */
export function consoleSignInLink(redirectUri: string, tenant: string, clientId: string): string {
  return `${redirectUri}?${new URLSearchParams({ tenant, client: clientId }).toString()}`;
}

async function findApplication(fetch: Fetch, base: string, appId: string, headers: Record<string, string>): Promise<any | undefined> {
  const response = await fetch(`${base}(appId='${encodeURIComponent(appId)}')`, { headers });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET application ${appId} → ${response.status}: ${await response.text()}`);
  return response.json();
}

/**
 * The delegated Graph permissions the console asks for, in resource form. Configuration and
 * apps are only read, but identity grants an administrator the ReadWrite permissions alone.
 * BitlockerKey.Read.All covers both the key list and the audited key read (ReadBasic.All
 * would list keys but never show one).
 */
export const CONSOLE_SCOPES = [
  'DeviceManagementServiceConfig.ReadWrite.All',
  'DeviceManagementManagedDevices.ReadWrite.All',
  'DeviceManagementConfiguration.ReadWrite.All',
  'DeviceManagementApps.ReadWrite.All',
  'Directory.Read.All',
  'BitlockerKey.Read.All',
  'User.Read',
].map((p) => `${GRAPH_RESOURCE}/${p}`);
