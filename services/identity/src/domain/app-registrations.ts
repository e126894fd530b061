/**
 * Graph's `applications` and `servicePrincipals`, as much as an administrator needs to register
 * a client and grant it roles: create, read and find applications, add and remove client
 * secrets and certificates, find Microsoft Graph's service principal and its app roles, and
 * assign one of those roles to an application's service principal. Tokens the client then gets
 * carry the role in `roles`.
 *
 * Baton keeps one record per application (store `applications`); its application object and its
 * service principal are two Graph views of that record, with ids derived from the tenant and
 * the appId, so no second table can drift from the first.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { DEVICE_AGENT_CLIENT_ID, ROLES, SERVICE_APP_IDS } from '@baton/contracts';
import { identityGraphErrors } from '../errors.js';
import type { ApplicationRecord, TenantRecord } from '../store/store.js';
import { checkRedirectUri, registerApplication } from './applications.js';
import { DEFAULT_SECRET_LIFETIME_MS, graphPasswordCredential, MAX_SECRETS_PER_APPLICATION, secretKeyId } from './client-secrets.js';
import type { IdentityDeps } from './deps.js';
import type { IdentityWrites } from '../store/unit-of-work.js';
import { graphKeyCredential, keyCredentialsFromGraph, splitClientKeys, type CertificateKey } from './key-credentials.js';
import { isGuid, nameGuid } from './ids.js';

/** Microsoft Graph's appId, the same in every tenant; scripts look its service principal up by it. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/** Graph's application permissions Baton enforces, with the ids Microsoft Graph gives them. */
export const GRAPH_APP_ROLES: ReadonlyArray<{ id: string; value: string; displayName: string }> = [
  { id: '5ac13192-7ace-4fcf-b828-1a26f28068ee', value: ROLES.autopilotReadWrite, displayName: 'Read and write Microsoft Intune configuration' },
  { id: '1138cb37-bd11-4084-a2b7-9f71582aeddb', value: ROLES.devicesReadWrite, displayName: 'Read and write devices' },
  { id: '243333ab-4d21-40cb-a475-36241daa0842', value: ROLES.managedDevicesReadWrite, displayName: 'Read and write Microsoft Intune devices' },
  { id: '9241abd9-d0e6-425a-bd4f-47ba86e767a4', value: ROLES.configurationReadWrite, displayName: 'Read and write Microsoft Intune device configuration and policies' },
  { id: '741f803b-c850-494e-b5df-cde7c675a1ca', value: ROLES.usersReadWrite, displayName: "Read and write all users' full profiles" },
  { id: '62a82d76-70ea-41e2-9197-370581804d09', value: ROLES.groupsReadWrite, displayName: 'Read and write all groups' },
  { id: '7ab1d382-f21e-4acd-a863-ba3e13f7da61', value: ROLES.directoryRead, displayName: 'Read directory data' },
  { id: 'b0afded3-3588-46d8-8b3d-9842eff778da', value: ROLES.auditLogRead, displayName: 'Read all audit log data' },
  { id: '01c0a623-fc9b-48e9-b794-0756f8e8f067', value: ROLES.conditionalAccessReadWrite, displayName: 'Read and write your organization\'s conditional access policies' },
  { id: '78145de6-330d-4800-a6ce-494ff2d33d07', value: ROLES.appsReadWrite, displayName: 'Read and write Microsoft Intune apps' },
  { id: '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9', value: ROLES.applicationsReadWrite, displayName: 'Read and write all applications' },
  { id: '06b708a9-e830-4db3-a914-8e69da51d44f', value: ROLES.appRoleAssignmentsReadWrite, displayName: 'Manage app permission grants and app role assignments' },
  { id: 'd2ebfbc1-a5f8-424b-83a6-56ab5927a73c', value: ROLES.brandingReadWrite, displayName: 'Read and write organizational branding information' },
  { id: 'f690d423-6b29-4d04-98c6-694c42282419', value: ROLES.bitLockerKeyReadBasic, displayName: 'Read all BitLocker keys basic information' },
  { id: '57f1cf28-c0c4-4ec3-9a30-19a2eaaf2f6e', value: ROLES.bitLockerKeyRead, displayName: 'Read all BitLocker keys' },
];

export const applicationObjectId = (tenantId: string, appId: string) => nameGuid(`application:${tenantId}:${appId.toLowerCase()}`);
export const servicePrincipalId = (tenantId: string, appId: string) => nameGuid(`servicePrincipal:${tenantId}:${appId.toLowerCase()}`);
const assignmentId = (principalId: string, roleId: string) => nameGuid(`appRoleAssignment:${principalId}:${roleId}`);

export function graphApplication(app: ApplicationRecord, redirectUris: string[], keys: readonly string[]) {
  const web = redirectUris.filter(isWebRedirect);
  const native = redirectUris.filter((u) => !isWebRedirect(u));
  return {
    id: applicationObjectId(app.tenantId, app.appId),
    appId: app.appId,
    displayName: app.displayName,
    signInAudience: 'AzureADMyOrg',
    createdDateTime: app.createdAt,
    isFallbackPublicClient: app.isPublic,
    web: { redirectUris: web },
    publicClient: { redirectUris: native },
    spa: { redirectUris: [] },
    // Secrets are never shown again; Baton keeps their digests.
    passwordCredentials: app.secrets.map(graphPasswordCredential),
    keyCredentials: splitClientKeys(keys).certificates.map(graphKeyCredential),
  };
}

function graphServicePrincipalOf(tenantId: string, app: ApplicationRecord) {
  return {
    id: servicePrincipalId(tenantId, app.appId),
    appId: app.appId,
    displayName: app.displayName,
    servicePrincipalType: 'Application',
    accountEnabled: true,
    appRoles: [],
  };
}

function graphServicePrincipalOfGraph(tenantId: string) {
  return {
    id: servicePrincipalId(tenantId, GRAPH_APP_ID),
    appId: GRAPH_APP_ID,
    displayName: 'Microsoft Graph',
    servicePrincipalType: 'Application',
    accountEnabled: true,
    appRoles: GRAPH_APP_ROLES.map((r) => ({
      id: r.id,
      value: r.value,
      displayName: r.displayName,
      description: r.displayName,
      allowedMemberTypes: ['Application'],
      isEnabled: true,
      origin: 'Application',
    })),
  };
}

/**
 * `POST /applications`: displayName, redirect URIs and certificate credentials (keyCredentials);
 * a secret comes later, through addPassword, as in Graph.
 */
export async function createApplication(deps: IdentityDeps, tenant: TenantRecord, body: Record<string, unknown>) {
  const displayName = displayNameOf(body.displayName);
  const redirectUris = (['web', 'publicClient', 'spa'] as const).flatMap((platform) => redirectUrisOf(body, platform) ?? []);
  if (redirectUris.length > MAX_REDIRECT_URIS) throw identityGraphErrors.invalidValue(`An application may have at most ${MAX_REDIRECT_URIS} redirect URIs.`);
  // Checked before anything is written: New-MgApplication -KeyCredentials creates with its certificate.
  const keys = body.keyCredentials === undefined || body.keyCredentials === null ? [] : keyCredentialsFromGraph(body.keyCredentials, [], deps.now());
  // redirectUrisOf has checked every URI, so registerApplication's own check cannot refuse one here.
  const registered = await registerApplication(deps, tenant, { displayName, redirectUris, appId: randomUUID(), publicKeys: keys });
  deps.directoryCache.clear();
  return readApplication(deps, tenant, applicationObjectId(tenant.id, registered.appId));
}

const MAX_REDIRECT_URIS = 100;

function displayNameOf(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 256) {
    throw identityGraphErrors.invalidValue("Property 'displayName' is required: a string of 1 to 256 characters.");
  }
  return value;
}

/** One platform's `redirectUris` from a Graph body, checked; undefined when the body leaves the platform out. */
function redirectUrisOf(body: Record<string, unknown>, platform: 'web' | 'publicClient' | 'spa'): string[] | undefined {
  const section = body[platform];
  if (section === undefined || section === null) return undefined;
  const uris = (section as { redirectUris?: unknown }).redirectUris;
  if (typeof section !== 'object' || (uris !== undefined && (!Array.isArray(uris) || uris.some((u) => typeof u !== 'string' || u.length > 2048)))) {
    throw identityGraphErrors.invalidValue(`Property '${platform}.redirectUris' must be an array of URLs.`);
  }
  if (uris === undefined) return undefined;
  for (const uri of uris as string[]) {
    try {
      checkRedirectUri(uri);
    } catch (error) {
      throw identityGraphErrors.invalidValue(error instanceof Error ? error.message : String(error));
    }
  }
  return uris as string[];
}

/** The application one of its two Graph views names: its object id, or its service principal's id. */
async function applicationByViewId(
  deps: IdentityDeps,
  tenantId: string,
  id: string,
  viewId: (tenantId: string, appId: string) => string,
): Promise<ApplicationRecord> {
  const apps = isGuid(id) ? await deps.store.listApplications(tenantId) : [];
  const app = apps.find((a) => viewId(tenantId, a.appId) === id.toLowerCase());
  if (!app) throw identityGraphErrors.objectNotFound(id);
  return app;
}

const applicationByObjectId = (deps: IdentityDeps, tenantId: string, id: string) => applicationByViewId(deps, tenantId, id, applicationObjectId);

export async function readApplication(deps: IdentityDeps, tenant: TenantRecord, objectId: string) {
  const app = await applicationByObjectId(deps, tenant.id, objectId);
  return graphApplicationOf(deps, tenant, app);
}

export async function readApplicationByAppId(deps: IdentityDeps, tenant: TenantRecord, appId: string) {
  const app = isGuid(appId) ? await deps.store.findApplication(tenant.id, appId) : undefined;
  if (!app) throw identityGraphErrors.objectNotFound(appId);
  return graphApplicationOf(deps, tenant, app);
}

async function graphApplicationOf(deps: IdentityDeps, tenant: TenantRecord, app: ApplicationRecord) {
  const [redirectUris, keys] = await Promise.all([deps.signin.redirectUris(tenant.id, app.appId), deps.signin.clientKeys(tenant.id, app.appId)]);
  return graphApplication(app, redirectUris, keys);
}

/**
 * `PATCH /applications/{id}`: each property the body names is replaced, as in Graph, and the
 * rest stays. `displayName`; `web.redirectUris` (Baton's https redirect URIs) and
 * `publicClient.redirectUris` (the others: loopback and custom schemes), each replacing its
 * own part of the list the authorization endpoint matches; `keyCredentials`, the
 * application's certificate credentials, exactly the list (an application with one is a
 * confidential client). Other properties are refused by name rather than dropped, and
 * everything is checked before anything is written.
 */
export async function updateApplication(deps: IdentityDeps, tenant: TenantRecord, objectId: string, body: Record<string, unknown>): Promise<void> {
  const app = await applicationByObjectId(deps, tenant.id, objectId);
  const unsupported = Object.keys(body).filter((k) => !PATCHABLE.has(k));
  if (unsupported.length > 0) {
    throw identityGraphErrors.invalidValue(`Baton does not change '${unsupported[0]}' of an application; PATCH takes ${[...PATCHABLE].join(', ')}.`);
  }
  if (Object.keys(body).length === 0) return;
  if (isBuiltIn(app)) throw identityGraphErrors.invalidValue(`'${app.displayName}' is one of Baton's own applications; it is not changed through Graph.`);
  const displayName = 'displayName' in body ? displayNameOf(body.displayName) : undefined;
  const web = redirectUrisOf(body, 'web');
  const native = redirectUrisOf(body, 'publicClient');
  const storedKeys = 'keyCredentials' in body ? await deps.signin.clientKeys(tenant.id, app.appId) : [];
  const keys = 'keyCredentials' in body ? keyCredentialsFromGraph(body.keyCredentials, splitClientKeys(storedKeys).certificates, deps.now()) : undefined;
  let redirectUris: string[] | undefined;
  if (web !== undefined || native !== undefined) {
    const stored = await deps.signin.redirectUris(tenant.id, app.appId);
    redirectUris = [...(web ?? stored.filter(isWebRedirect)), ...(native ?? stored.filter((u) => !isWebRedirect(u)))];
    if (web?.some((u) => !isWebRedirect(u))) throw identityGraphErrors.invalidValue("Property 'web.redirectUris' takes https URLs; loopback and custom-scheme URIs belong in publicClient.");
    if (native?.some(isWebRedirect)) throw identityGraphErrors.invalidValue("Property 'publicClient.redirectUris' takes loopback and custom-scheme URIs; https URLs belong in web.");
    if (redirectUris.length > MAX_REDIRECT_URIS) throw identityGraphErrors.invalidValue(`An application may have at most ${MAX_REDIRECT_URIS} redirect URIs.`);
  }
  const now = deps.now().toISOString();
  await deps.atomically(async (writes) => {
    if (displayName !== undefined) await writes.store.changeApplication(tenant.id, app.appId, () => ({ displayName }), now);
    if (redirectUris !== undefined) await writes.signin.replaceRedirectUris(tenant.id, app.appId, redirectUris);
    if (keys !== undefined) await storeKeyCredentials(writes, tenant, app, storedKeys, keys);
  });
  deps.directoryCache.clear();
}

const PATCHABLE = new Set(['displayName', 'web', 'publicClient', 'keyCredentials']);

/** Graph shows an application's https redirect URIs under `web`, the rest under `publicClient`. */
const isWebRedirect = (uri: string) => uri.startsWith('https://');

async function storeKeyCredentials(writes: IdentityWrites, tenant: TenantRecord, app: Pick<ApplicationRecord, 'appId' | 'isPublic'>, stored: readonly string[], keys: readonly CertificateKey[]) {
  // Keys registered in configuration (plain JWKs) are not Graph's keyCredentials and stay.
  const { configured } = splitClientKeys(stored);
  await writes.signin.replaceClientKeys(tenant.id, app.appId, [...configured, ...keys.map((k) => ({ kid: k.kid, jwk: JSON.stringify(k) }))]);
  if (keys.length > 0 && app.isPublic) await writes.store.markApplicationConfidential(tenant.id, app.appId);
}

export async function listApplications(deps: IdentityDeps, tenant: TenantRecord, filter: RegistrationFilter = {}) {
  const apps = (await deps.store.listApplications(tenant.id)).filter((a) => matchesRegistration(a, filter));
  return Promise.all(apps.map((a) => graphApplicationOf(deps, tenant, a)));
}

/** Applications Baton's own chain depends on: its services', the device agent's and the MDM application. */
function isBuiltIn(app: ApplicationRecord): boolean {
  return app.mdm !== null || app.appId === DEVICE_AGENT_CLIENT_ID || (Object.values(SERVICE_APP_IDS) as string[]).includes(app.appId);
}

/**
 * `DELETE /applications/{id}`: the client can no longer get tokens, and its refresh tokens stop
 * working. Entra keeps a deleted application restorable for 30 days; Baton deletes at once.
 * The applications Baton's own services and devices use cannot be deleted.
 */
export async function deleteApplication(deps: IdentityDeps, tenant: TenantRecord, objectId: string): Promise<void> {
  const app = await applicationByObjectId(deps, tenant.id, objectId);
  if (isBuiltIn(app)) throw identityGraphErrors.invalidValue(`'${app.displayName}' is one of Baton's own applications; deleting it would break the deployment chain.`);
  await deps.atomically(async ({ store, signin }) => {
    await store.revokeClientRefreshTokens(tenant.id, app.appId);
    await store.deleteApplication(tenant.id, app.appId);
    await signin.deleteClient(tenant.id, app.appId);
  });
  deps.directoryCache.clear();
}

/**
 * `POST /applications/{id}/addPassword`: a new client secret, shown once, beside the ones the
 * application already has (up to 16), valid from `startDateTime` (default now) until
 * `endDateTime` (default two years on, Entra's default). The applications Baton's services and
 * devices use take no secrets here: theirs come from configuration, or they are public clients.
 */
export async function addPassword(deps: IdentityDeps, tenant: TenantRecord, objectId: string, body: Record<string, unknown>) {
  const app = await applicationByObjectId(deps, tenant.id, objectId);
  if (isBuiltIn(app)) throw identityGraphErrors.invalidValue(`'${app.displayName}' is one of Baton's own applications; its credentials are not managed through Graph.`);
  const credential = (body.passwordCredential ?? {}) as Record<string, unknown>;
  if (typeof credential !== 'object' || Array.isArray(credential)) throw identityGraphErrors.invalidValue("Property 'passwordCredential' must be an object.");
  const now = deps.now();
  const displayName = typeof credential.displayName === 'string' ? credential.displayName.slice(0, 256) : null;
  const startDateTime = validityDate(credential.startDateTime, 'startDateTime') ?? now.toISOString();
  const endDateTime = validityDate(credential.endDateTime, 'endDateTime') ?? new Date(Date.parse(startDateTime) + DEFAULT_SECRET_LIFETIME_MS).toISOString();
  if (Date.parse(endDateTime) <= Math.max(Date.parse(startDateTime), now.getTime())) {
    throw identityGraphErrors.invalidValue("Property 'endDateTime' must be later than 'startDateTime' and than now.");
  }
  const secretText = randomBytes(30).toString('base64url');
  const secret = { digest: deps.secrets.digest(secretText), displayName, hint: secretText.slice(0, 3), startDateTime, endDateTime };
  await deps.store.changeApplication(
    tenant.id,
    app.appId,
    (current) => {
      if (current.secrets.length >= MAX_SECRETS_PER_APPLICATION) {
        throw identityGraphErrors.invalidValue(`An application holds at most ${MAX_SECRETS_PER_APPLICATION} secrets; remove one with removePassword first.`);
      }
      return { secrets: [...current.secrets, secret] };
    },
    now.toISOString(),
  );
  deps.directoryCache.clear();
  return { ...graphPasswordCredential(secret), secretText };
}

/** `POST /applications/{id}/removePassword` with `{ keyId }`: that secret stops working at once. */
export async function removePassword(deps: IdentityDeps, tenant: TenantRecord, objectId: string, body: Record<string, unknown>): Promise<void> {
  const app = await applicationByObjectId(deps, tenant.id, objectId);
  const keyId = typeof body.keyId === 'string' ? body.keyId.toLowerCase() : undefined;
  if (!keyId || !isGuid(keyId)) throw identityGraphErrors.invalidValue("Property 'keyId' is required: the keyId of one of the application's passwordCredentials.");
  await deps.store.changeApplication(
    tenant.id,
    app.appId,
    (current) => {
      const kept = current.secrets.filter((s) => secretKeyId(s) !== keyId);
      if (kept.length === current.secrets.length) throw identityGraphErrors.invalidValue(`The application has no password credential with keyId '${keyId}'.`);
      return { secrets: kept };
    },
    deps.now().toISOString(),
  );
  deps.directoryCache.clear();
}

function validityDate(value: unknown, property: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const parsed = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(parsed)) throw identityGraphErrors.invalidValue(`Property '${property}' must be a date and time (ISO 8601).`);
  return new Date(parsed).toISOString();
}

/** Every application's service principal, and Microsoft Graph's; `appId` narrows to one. */
export async function listServicePrincipals(deps: IdentityDeps, tenant: TenantRecord, filter: RegistrationFilter = {}) {
  const apps = await deps.store.listApplications(tenant.id);
  const all = [graphServicePrincipalOfGraph(tenant.id), ...apps.map((a) => graphServicePrincipalOf(tenant.id, a))];
  return all.filter((sp) => matchesRegistration(sp, filter));
}

/** What scripts find an application or a service principal by: `appId eq '…'`, `displayName eq '…'`. */
export interface RegistrationFilter {
  appId?: string;
  displayName?: string;
}

// The directory compares strings without regard to case.
function matchesRegistration(view: { appId: string; displayName: string }, filter: RegistrationFilter): boolean {
  return (filter.appId === undefined || view.appId === filter.appId.toLowerCase()) && (filter.displayName === undefined || view.displayName.toLowerCase() === filter.displayName.toLowerCase());
}

export async function readServicePrincipal(deps: IdentityDeps, tenant: TenantRecord, id: string) {
  const found = (await listServicePrincipals(deps, tenant)).find((sp) => sp.id === id.toLowerCase());
  if (!found) throw identityGraphErrors.objectNotFound(id);
  return found;
}

/** `POST /servicePrincipals`: every registered application has one already; this answers it. */
export async function createServicePrincipal(deps: IdentityDeps, tenant: TenantRecord, body: Record<string, unknown>) {
  if (typeof body.appId !== 'string' || !isGuid(body.appId)) throw identityGraphErrors.invalidValue("Property 'appId' is required: the application's appId.");
  const [found] = await listServicePrincipals(deps, tenant, { appId: body.appId });
  if (!found) throw identityGraphErrors.invalidValue(`No application with appId '${body.appId}' is registered in this tenant.`);
  return found;
}

function graphAssignment(tenantId: string, app: ApplicationRecord, role: (typeof GRAPH_APP_ROLES)[number], createdAt: string) {
  const principalId = servicePrincipalId(tenantId, app.appId);
  return {
    id: assignmentId(principalId, role.id),
    appRoleId: role.id,
    createdDateTime: createdAt,
    principalDisplayName: app.displayName,
    principalId,
    principalType: 'ServicePrincipal',
    resourceDisplayName: 'Microsoft Graph',
    resourceId: servicePrincipalId(tenantId, GRAPH_APP_ID),
  };
}

const principalApplication = (deps: IdentityDeps, tenantId: string, principalId: string) => applicationByViewId(deps, tenantId, principalId, servicePrincipalId);

/**
 * Grants one of Graph's app roles to an application's service principal (Graph's
 * `appRoleAssignments` on the principal, or `appRoleAssignedTo` on the resource). Only Microsoft
 * Graph's roles exist here, so the resource must be Graph's service principal.
 */
export async function assignAppRole(deps: IdentityDeps, tenant: TenantRecord, body: Record<string, unknown>) {
  const { principalId, resourceId, appRoleId } = body;
  for (const [name, value] of Object.entries({ principalId, resourceId, appRoleId })) {
    if (typeof value !== 'string' || !isGuid(value)) throw identityGraphErrors.invalidValue(`Property '${name}' is required: a GUID.`);
  }
  if ((resourceId as string).toLowerCase() !== servicePrincipalId(tenant.id, GRAPH_APP_ID)) {
    throw identityGraphErrors.invalidValue("Property 'resourceId' must be Microsoft Graph's service principal; no other resource defines app roles here.");
  }
  const role = GRAPH_APP_ROLES.find((r) => r.id === (appRoleId as string).toLowerCase());
  if (!role) throw identityGraphErrors.invalidValue(`Microsoft Graph has no app role '${appRoleId as string}' that Baton enforces.`);
  const app = await principalApplication(deps, tenant.id, principalId as string);
  const now = deps.now().toISOString();
  if (!app.roles.includes(role.value)) {
    await deps.store.changeApplication(tenant.id, app.appId, (current) => (current.roles.includes(role.value) ? {} : { roles: [...current.roles, role.value] }), now);
    deps.directoryCache.clear();
  }
  return graphAssignment(tenant.id, app, role, now);
}

/** The Graph roles an application's service principal holds. */
export async function listAppRoleAssignments(deps: IdentityDeps, tenant: TenantRecord, principalId: string) {
  const app = await principalApplication(deps, tenant.id, principalId);
  return GRAPH_APP_ROLES.filter((r) => app.roles.includes(r.value)).map((r) => graphAssignment(tenant.id, app, r, app.modifiedAt));
}
