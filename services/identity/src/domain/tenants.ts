/** Tenant lookup by path segment, and idempotent tenant bootstrap. */
import { randomUUID } from 'node:crypto';
import { generateCertificateAuthority, type SecretBox } from '@baton/kit';
import { DEVICE_AGENT_CLIENT_ID, MDM_RESOURCE, SERVICE_APP_IDS, SERVICE_APP_ROLES, type ManagementHandoff } from '@baton/contracts';
import type { ApplicationRecord, IdentityStore, MdmSettings, TenantBranding, TenantRecord, UserRecord } from '../store/store.js';
import { lastingSecret } from './client-secrets.js';
import type { DirectoryFeed } from './notifications/feed.js';
import type { DirectoryCache } from './lookup-cache.js';
import { isGuid, nameGuid } from './ids.js';
import { hashPassword } from './passwords.js';
import { generateSealedSigningKey } from './signing-keys.js';

const DOMAIN_RE = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i;

/** `{tenant}` in a path is a tenant id or one of its verified domains. */
/**
 * The tenant a path, a token or a form names, through the directory's short-lived cache
 * (lookup-cache.ts): every request reads it, often several times, and it rarely changes; this
 * process's own tenant writes clear the cache.
 */
export function cachedTenant(deps: { store: IdentityStore; directoryCache: DirectoryCache }, ref: string): Promise<TenantRecord | undefined> {
  return deps.directoryCache.tenants.get(ref.toLowerCase(), () => findTenant(deps.store, ref));
}

export async function findTenant(store: IdentityStore, ref: string): Promise<TenantRecord | undefined> {
  if (isGuid(ref)) return store.findTenantById(ref);
  if (DOMAIN_RE.test(ref)) return store.findTenantByDomain(ref);
  return undefined;
}

export interface BootstrapTenantInput {
  tenantId?: string;
  domain: string;
  displayName: string;
  branding: TenantBranding;
  admin: { upn: string; password: string; displayName: string };
  adminApp: { clientId?: string; secret: string; roles: string[] };
  mdmApp: MdmSettings;
}

export interface BootstrapTenantResult {
  tenantId: string;
  domain: string;
  adminUserId: string;
  adminClientId: string;
}

export class BootstrapError extends Error {
  override name = 'BootstrapError';
}

function validate(input: BootstrapTenantInput): void {
  if (!DOMAIN_RE.test(input.domain)) throw new BootstrapError(`"${input.domain}" is not a DNS domain name`);
  if (input.tenantId !== undefined && !isGuid(input.tenantId)) throw new BootstrapError('tenantId must be a GUID');
  if (input.adminApp.clientId !== undefined && !isGuid(input.adminApp.clientId)) throw new BootstrapError('adminApp.clientId must be a GUID');
  if (!/^[^@\s]+@[^@\s]+$/.test(input.admin.upn)) throw new BootstrapError('admin.upn must look like user@domain');
  if (input.admin.password.length < 8) throw new BootstrapError('admin.password must have at least 8 characters');
  if (input.adminApp.secret.length < 16) throw new BootstrapError('adminApp.secret must have at least 16 characters');
  for (const url of [input.mdmApp.discoveryUrl, input.mdmApp.termsOfUseUrl, input.mdmApp.complianceUrl]) {
    if (url !== undefined && !URL.canParse(url)) throw new BootstrapError(`"${url}" is not a URL`);
  }
}

/**
 * Creates the tenant with everything a provisioning needs, or completes an existing one (same
 * domain) without overwriting what its administrators changed since: its name and branding,
 * the admin's password, the admin application's secrets and roles stay as they are (a secret
 * removed on purpose must not come back with a restart), and only what is missing is created.
 * Baton's own applications (device agent, management) are brought up to date, since their
 * URLs follow the deployment.
 */
export async function bootstrapTenant(
  store: IdentityStore,
  secrets: SecretBox,
  input: BootstrapTenantInput,
  now: Date = new Date(),
  feed?: DirectoryFeed,
): Promise<BootstrapTenantResult> {
  validate(input);
  const domain = input.domain.toLowerCase();
  const at = now.toISOString();
  const existing = await store.findTenantByDomain(domain);
  if (existing && input.tenantId && existing.id !== input.tenantId.toLowerCase()) {
    throw new BootstrapError(`domain ${domain} already belongs to tenant ${existing.id}`);
  }
  // Key material and the password hash are computed before the transaction: they are slow.
  let fresh: TenantRecord | undefined;
  if (!existing) {
    const ca = await generateCertificateAuthority({
      commonName: 'MS-Organization-Access',
      organization: input.displayName,
      validityDays: 7300,
      algorithm: 'RSA',
    });
    fresh = {
      id: (input.tenantId ?? randomUUID()).toLowerCase(),
      domain,
      displayName: input.displayName,
      branding: input.branding,
      signingKey: await generateSealedSigningKey(secrets),
      deviceCaCertPem: ca.certPem,
      deviceCaKey: secrets.seal(ca.keyPem),
      createdAt: at,
      modifiedAt: at,
    };
  }
  const existingAdmin = existing ? await store.findUserByUpn(existing.id, input.admin.upn) : undefined;
  const passwordHash = existingAdmin ? undefined : await hashPassword(input.admin.password);

  return store.transaction(async (tx) => {
    const tenantId = existing?.id ?? fresh!.id;
    if (fresh) await tx.insertTenant(fresh);

    const admin = await tx.findUserByUpn(tenantId, input.admin.upn);
    const adminUserId = admin?.id ?? randomUUID();
    if (!admin) {
      const created: UserRecord = {
        id: adminUserId,
        tenantId,
        upn: input.admin.upn,
        displayName: input.admin.displayName,
        passwordHash: passwordHash ?? (await hashPassword(input.admin.password)),
        accountEnabled: true,
        isAdmin: true,
        createdAt: at,
        modifiedAt: at,
      };
      await tx.insertUser(created);
      await feed?.userWritten(tx, tenantId, undefined, created);
    }

    // Without an explicit client id the admin app's id is derived from the tenant, so a
    // second bootstrap finds the same registration instead of adding another.
    const adminClientId = (input.adminApp.clientId ?? nameGuid(`admin-app:${tenantId}`)).toLowerCase();
    const app = (a: Omit<ApplicationRecord, 'tenantId' | 'createdAt' | 'modifiedAt'>): ApplicationRecord => ({
      ...a,
      tenantId,
      createdAt: at,
      modifiedAt: at,
    });
    if (!(await tx.findApplication(tenantId, adminClientId))) {
      await tx.upsertApplication(
        app({
          appId: adminClientId,
          displayName: `${input.displayName} admin`,
          secrets: [lastingSecret(secrets.digest(input.adminApp.secret), at)],
          roles: input.adminApp.roles,
          isPublic: false,
          mdm: null,
        }),
      );
    }
    await tx.upsertApplication(
      app({ appId: DEVICE_AGENT_CLIENT_ID, displayName: 'Baton device agent', secrets: [], roles: [], isPublic: true, mdm: null }),
    );
    await tx.upsertApplication(
      app({
        appId: SERVICE_APP_IDS.management,
        displayName: 'Baton management (MDM)',
        secrets: [],
        roles: SERVICE_APP_ROLES.management,
        isPublic: false,
        mdm: {
          discoveryUrl: input.mdmApp.discoveryUrl,
          ...(input.mdmApp.termsOfUseUrl ? { termsOfUseUrl: input.mdmApp.termsOfUseUrl } : {}),
          ...(input.mdmApp.complianceUrl ? { complianceUrl: input.mdmApp.complianceUrl } : {}),
        },
      }),
    );
    return { tenantId, domain, adminUserId, adminClientId };
  });
}

/** The MDM application's URLs, in the shape of the identity → management handoff. */
export async function managementHandoff(store: IdentityStore, tenantId: string): Promise<ManagementHandoff | undefined> {
  const app = await store.findApplication(tenantId, SERVICE_APP_IDS.management);
  if (!app?.mdm) return undefined;
  return {
    appId: SERVICE_APP_IDS.management,
    discoveryUrl: app.mdm.discoveryUrl,
    ...(app.mdm.termsOfUseUrl ? { termsOfUseUrl: app.mdm.termsOfUseUrl } : {}),
    ...(app.mdm.complianceUrl ? { complianceUrl: app.mdm.complianceUrl } : {}),
    resource: MDM_RESOURCE,
  };
}
