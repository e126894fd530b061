/**
 * The demo tenant `baton up` seeds: an admin user, a confidential admin application
 * holding the management roles, the MDM application pointing at management, and a
 * deployment profile assigned to all devices. Everything a script or the Graph SDK
 * needs is written to <data>/demo.json.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_APP_ROLES, GRAPH_RESOURCE, MANAGEMENT_PATHS } from '@baton/contracts';
import type { Fetch, ServiceUrls } from '@baton/kit';
import type { IdentityRuntime } from './services.js';
import { ensureConsoleApp } from './console-app.js';

export interface DemoInfo {
  tenantId: string;
  domain: string;
  baseUrl: string;
  graphBaseUrl: string;
  authority: string;
  discoveryUrl: string;
  caPath: string;
  user: { upn: string; password: string };
  adminApp: { clientId: string; clientSecret: string };
  /** The web console's public SPA client (authorization code + PKCE, no secret). */
  consoleApp?: { clientId: string; redirectUri: string };
  deploymentProfileId?: string;
}

export const DEMO_DOMAIN = 'demo.baton.local';

export function demoFile(dataDir: string): string {
  return join(dataDir, 'demo.json');
}

export function readDemo(dataDir: string): DemoInfo {
  const file = demoFile(dataDir);
  if (!existsSync(file)) throw new Error(`${file} not found: start Baton with \`npm start\` (or \`baton up --data ${dataDir}\`) first`);
  return JSON.parse(readFileSync(file, 'utf8')) as DemoInfo;
}

export async function seedDemo(options: {
  dataDir: string;
  url: string;
  urls: ServiceUrls;
  caPath: string;
  identity: IdentityRuntime;
  fetch: Fetch;
}): Promise<DemoInfo> {
  const previous = existsSync(demoFile(options.dataDir)) ? readDemo(options.dataDir) : undefined;
  const password = previous?.user.password ?? `Baton-${randomBytes(9).toString('base64url')}`;
  const clientId = previous?.adminApp.clientId ?? randomUUID();
  const clientSecret = previous?.adminApp.clientSecret ?? randomBytes(32).toString('base64url');
  const upn = `admin@${DEMO_DOMAIN}`;
  const { tenantId } = await options.identity.bootstrapTenant({
    domain: DEMO_DOMAIN,
    displayName: 'Contoso (demo)',
    branding: {
      companyName: 'Contoso (demo)',
      backgroundColor: '#0F6CBD',
      signInPageText: 'Sign in with your Contoso work account to set up this device.',
    },
    admin: { upn, password, displayName: 'Demo Administrator' },
    adminApp: { clientId, secret: clientSecret, roles: ADMIN_APP_ROLES },
    mdmApp: {
      discoveryUrl: `${options.urls.management}${MANAGEMENT_PATHS.discovery}`,
      termsOfUseUrl: `${options.urls.management}/EnrollmentServer/TermsOfUse`,
      complianceUrl: `${options.urls.management}/EnrollmentServer/Compliance`,
    },
  });
  const demo: DemoInfo = {
    tenantId,
    domain: DEMO_DOMAIN,
    baseUrl: options.url,
    graphBaseUrl: `${options.urls.discovery}/graph`,
    authority: `${options.urls.identity}/${tenantId}`,
    discoveryUrl: options.urls.discovery,
    caPath: options.caPath,
    user: { upn, password },
    adminApp: { clientId, clientSecret },
  };
  demo.deploymentProfileId = await ensureDemoProfile(demo, options);
  demo.consoleApp = await ensureConsoleApp(demo, previous?.consoleApp, options);
  writeFileSync(demoFile(options.dataDir), JSON.stringify(demo, null, 2), { mode: 0o600 });
  return demo;
}

/** Creates the demo deployment profile through discovery's Graph API, as an admin would. */
async function ensureDemoProfile(demo: DemoInfo, options: { urls: ServiceUrls; fetch: Fetch }): Promise<string> {
  const token = await adminToken(demo, options.fetch);
  const base = `${options.urls.discovery}/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles`;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const list = await graphJson(options.fetch, base, { headers });
  const existing = (list.value as Array<{ id: string; displayName: string }>).find((p) => p.displayName === 'Baton demo: user-driven');
  if (existing) return existing.id;
  const profile = await graphJson(options.fetch, base, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile',
      displayName: 'Baton demo: user-driven',
      description: 'Entra-joined, user-driven; seeded by baton up.',
      deviceNameTemplate: 'DEMO-%SERIAL%',
      locale: 'os-default',
      hardwareHashExtractionEnabled: true,
      outOfBoxExperienceSetting: {
        privacySettingsHidden: true,
        eulaHidden: true,
        userType: 'standard',
        deviceUsageType: 'singleUser',
        keyboardSelectionPageSkipped: true,
        escapeLinkHidden: true,
      },
    }),
  });
  await graphJson(options.fetch, `${base}/${profile.id}/assignments`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }),
  });
  return profile.id as string;
}

export async function adminToken(demo: Pick<DemoInfo, 'authority' | 'adminApp'>, fetch: Fetch): Promise<string> {
  const response = await fetch(`${demo.authority}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: demo.adminApp.clientId,
      client_secret: demo.adminApp.clientSecret,
      scope: `${GRAPH_RESOURCE}/.default`,
    }).toString(),
  });
  const body = (await response.json()) as Record<string, string>;
  if (!response.ok || !body.access_token) throw new Error(`admin token refused: ${body.error ?? response.status} ${body.error_description ?? ''}`);
  return body.access_token;
}

export async function graphJson(fetch: Fetch, url: string, init: RequestInit = {}): Promise<any> {
  const response = await fetch(url, init);
  const text = await response.text();
  const body = text ? JSON.parse(text) : {};
  if (!response.ok) {
    const error = body?.error;
    throw new Error(`${init.method ?? 'GET'} ${url} → ${response.status} ${error?.code ?? ''}: ${error?.message ?? text}`);
  }
  return body;
}
