/** The organization and its users as Graph shows them; password hashes never leave. */
import { randomUUID } from 'node:crypto';
import { identityGraphErrors } from '../errors.js';
import type { GraphError } from '@baton/kit';
import { duplicateUserProperty, type DuplicateUserProperty } from '../store/unique-violations.js';
import { USER_PROFILE_PROPERTIES, type IdentityStore, type TenantRecord, type UserPatch, type UserProfile, type UserQuery, type UserRecord } from '../store/store.js';
import type { IdentityDeps } from './deps.js';
import { isGuid } from './ids.js';
import { directorySkiptoken } from './directory-cursor.js';
import { hashPassword } from './passwords.js';
import { graphUserProfile, userProfileOf } from './user-profile.js';

export function graphOrganization(tenant: TenantRecord) {
  return {
    id: tenant.id,
    displayName: tenant.displayName,
    verifiedDomains: [{ name: tenant.domain, isDefault: true, isInitial: true, type: 'Managed', capabilities: 'None' }],
    createdDateTime: tenant.createdAt,
    branding: tenant.branding,
  };
}

/** The properties `$select` may name on a user. */
export const USER_SELECT = ['id', 'displayName', 'userPrincipalName', 'accountEnabled', 'createdDateTime', ...USER_PROFILE_PROPERTIES] as const;

export function graphUser(user: UserRecord) {
  return {
    id: user.id,
    displayName: user.displayName,
    userPrincipalName: user.upn,
    ...graphUserProfile(user),
    accountEnabled: user.accountEnabled,
    createdDateTime: user.createdAt,
  };
}

export async function getUser(store: IdentityStore, tenantId: string, idOrUpn: string): Promise<UserRecord> {
  const user = isGuid(idOrUpn)
    ? await store.findUserById(tenantId, idOrUpn)
    : idOrUpn.includes('@')
      ? await store.findUserByUpn(tenantId, idOrUpn)
      : undefined;
  if (!user) throw identityGraphErrors.userNotFound(idOrUpn);
  return user;
}

export async function listUsers(store: IdentityStore, tenantId: string, query: UserQuery) {
  const rows = await store.listUsers(tenantId, { ...query, limit: query.limit + 1 });
  const page = rows.slice(0, query.limit);
  return { users: page, nextSkiptoken: rows.length > query.limit ? directorySkiptoken(graphUser(page[page.length - 1]!), query.orderby) : undefined };
}

export interface NewUser {
  userPrincipalName: string;
  displayName: string;
  password: string;
  accountEnabled: boolean;
  /** Checked already (userProfileOf). */
  profile: UserProfile;
}

const UPN_RE = /^[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9.-]{1,190}$/;

/** Entra's rule for cloud accounts: 8–256 characters, at least three of the four kinds. */
export function meetsPasswordComplexity(password: string): boolean {
  if (password.length < 8 || password.length > 256) return false;
  const kinds = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  return kinds >= 3;
}

/**
 * Creates a cloud user in the tenant (Graph `POST /users`): the UPN must be in the tenant's
 * domain and not taken, the password must meet the complexity rule. Dynamic groups whose
 * rules match the new user gain it in the same transaction.
 */
export async function createUser(deps: Pick<IdentityDeps, 'store' | 'feed' | 'now'>, tenant: TenantRecord, input: NewUser): Promise<UserRecord> {
  const upn = input.userPrincipalName.trim();
  if (!UPN_RE.test(upn)) throw identityGraphErrors.invalidValue(`Invalid value specified for property 'userPrincipalName' of resource 'User'.`);
  if (upn.split('@')[1]!.toLowerCase() !== tenant.domain.toLowerCase()) {
    throw identityGraphErrors.invalidValue('The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.');
  }
  if (!meetsPasswordComplexity(input.password)) {
    throw identityGraphErrors.invalidValue('The specified password does not comply with password complexity requirements. Please provide a different password.');
  }
  const passwordHash = await hashPassword(input.password);
  const at = deps.now().toISOString();
  const user: UserRecord = {
    id: randomUUID(),
    tenantId: tenant.id,
    upn,
    displayName: input.displayName,
    passwordHash,
    accountEnabled: input.accountEnabled,
    isAdmin: false,
    createdAt: at,
    modifiedAt: at,
    ...input.profile,
  };
  return asDuplicateError(
    deps.store.transaction(async (tx) => {
      if (await tx.findUserByUpn(tenant.id, upn)) throw duplicate('userPrincipalName');
      if (user.mail && (await tx.findUserByMail(tenant.id, user.mail))) throw duplicate('mail');
      await tx.insertUser(user);
      await deps.feed.userWritten(tx, tenant.id, undefined, user);
      return user;
    }),
  );
}

/** What `PATCH /users/{id}` may change here. */
export interface UserChange {
  displayName?: string;
  accountEnabled?: boolean;
  /** passwordProfile.password: an administrator's reset. */
  password?: string;
  /** The profile properties to set, null for those to clear. */
  profile?: UserProfile;
}

const PATCHABLE_USER_PROPERTIES = new Set<string>(['displayName', 'accountEnabled', 'passwordProfile', ...USER_PROFILE_PROPERTIES, '@odata.type']);

/**
 * The change a PATCH body asks for. A property Graph has but Baton does not keep is refused by
 * name rather than dropped, so a script never believes it saved a manager or a street address.
 */
export function userChangeOf(body: Record<string, unknown>): UserChange {
  const unsupported = Object.keys(body).find((k) => !PATCHABLE_USER_PROPERTIES.has(k));
  if (unsupported !== undefined) {
    throw identityGraphErrors.invalidValue(
      `Property '${unsupported.slice(0, 64)}' cannot be changed on a user here; displayName, accountEnabled, passwordProfile and ${USER_PROFILE_PROPERTIES.join(', ')} can.`,
    );
  }
  const change: UserChange = {};
  const profile = userProfileOf(body);
  if (Object.keys(profile).length > 0) change.profile = profile;
  if (typeof body.displayName === 'string') change.displayName = body.displayName;
  if (typeof body.accountEnabled === 'boolean') change.accountEnabled = body.accountEnabled;
  const passwordProfile = body.passwordProfile as { password?: unknown } | undefined;
  if (typeof passwordProfile?.password === 'string') change.password = passwordProfile.password;
  return change;
}

/**
 * Graph `PATCH /users/{id}`. A new password or a disabled account ends the user's refresh
 * tokens, as Entra revokes them on a reset; dynamic groups see the change in its transaction.
 */
export async function updateUser(deps: Pick<IdentityDeps, 'store' | 'feed'>, tenant: TenantRecord, idOrUpn: string, change: UserChange): Promise<void> {
  const user = await getUser(deps.store, tenant.id, idOrUpn);
  if (change.password !== undefined && !meetsPasswordComplexity(change.password)) {
    throw identityGraphErrors.invalidValue('The specified password does not comply with password complexity requirements. Please provide a different password.');
  }
  const patch: UserPatch = { ...change.profile };
  if (change.displayName !== undefined) patch.displayName = change.displayName;
  if (change.accountEnabled !== undefined) patch.accountEnabled = change.accountEnabled;
  if (change.password !== undefined) patch.passwordHash = await hashPassword(change.password);
  if (Object.keys(patch).length === 0) return;
  await asDuplicateError(deps.store.transaction(async (tx) => {
    const before = await tx.findUserById(tenant.id, user.id);
    if (!before) throw identityGraphErrors.userNotFound(idOrUpn);
    if (patch.mail) {
      const holder = await tx.findUserByMail(tenant.id, patch.mail);
      if (holder && holder.id !== user.id) throw duplicate('mail');
    }
    await tx.updateUser(tenant.id, user.id, patch);
    await deps.feed.userWritten(tx, tenant.id, before, { ...before, ...patch });
    if (patch.passwordHash !== undefined || (before.accountEnabled && patch.accountEnabled === false)) await tx.revokeUserRefreshTokens(tenant.id, user.id);
  }));
}

/**
 * Entra's answer when a user's UPN or mail address is another user's. Graph names a taken mail
 * address by proxyAddresses, the list its mail is kept in.
 */
function duplicate(property: DuplicateUserProperty): GraphError {
  return identityGraphErrors.invalidValue(`Another object with the same value for property ${property === 'mail' ? 'proxyAddresses' : property} already exists.`);
}

/** The same 400 for a write that passed the check but lost a race to the unique index. */
async function asDuplicateError<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    const property = duplicateUserProperty(error);
    if (property) throw duplicate(property);
    throw error;
  }
}

/** Graph's organizationalBranding, as the sign-in pages and the OOBE (through discovery) show it. */
export function graphBranding(tenant: TenantRecord) {
  return {
    id: '0',
    backgroundColor: tenant.branding.backgroundColor ?? null,
    signInPageText: tenant.branding.signInPageText ?? null,
    usernameHintText: null,
    bannerLogoRelativeUrl: null,
    squareLogoRelativeUrl: null,
    cdnList: [],
  };
}

const BRANDING_PROPERTIES = new Set(['backgroundColor', 'signInPageText', '@odata.type', 'id']);
const COLOR_RE = /^#[0-9a-f]{6}$/i;

/**
 * Graph `PATCH /organization/{id}/branding`: the background colour and the sign-in page text
 * (Entra's limit, 1,024 characters). Logos and other properties are refused by name; null
 * clears a value.
 */
export async function updateBranding(deps: Pick<IdentityDeps, 'store' | 'directoryCache'>, tenant: TenantRecord, body: Record<string, unknown>): Promise<void> {
  const unsupported = Object.keys(body).find((k) => !BRANDING_PROPERTIES.has(k));
  if (unsupported !== undefined) {
    throw identityGraphErrors.invalidValue(`Property '${unsupported.slice(0, 64)}' of the branding cannot be changed here; backgroundColor and signInPageText can.`);
  }
  const branding = { ...tenant.branding };
  if (body.backgroundColor !== undefined) {
    if (body.backgroundColor !== null && (typeof body.backgroundColor !== 'string' || !COLOR_RE.test(body.backgroundColor))) {
      throw identityGraphErrors.invalidValue("Property 'backgroundColor' must be a colour in the form #RRGGBB.");
    }
    if (body.backgroundColor === null) delete branding.backgroundColor;
    else branding.backgroundColor = body.backgroundColor;
  }
  if (body.signInPageText !== undefined) {
    if (body.signInPageText !== null && (typeof body.signInPageText !== 'string' || body.signInPageText.length > 1024)) {
      throw identityGraphErrors.invalidValue("Property 'signInPageText' must be text of at most 1,024 characters.");
    }
    if (body.signInPageText === null) delete branding.signInPageText;
    else branding.signInPageText = body.signInPageText;
  }
  await deps.store.updateTenant(tenant.id, { displayName: tenant.displayName, branding });
  deps.directoryCache.clear();
}

/**
 * Graph `DELETE /users/{id}`. The user leaves every group (the membership engine publishes the
 * changes), their refresh tokens stop working and their TOTP method goes. Entra keeps a deleted
 * user restorable for 30 days; Baton deletes at once.
 */
export async function deleteUser(deps: Pick<IdentityDeps, 'store' | 'feed' | 'atomically'>, tenant: TenantRecord, idOrUpn: string): Promise<void> {
  const user = await getUser(deps.store, tenant.id, idOrUpn);
  await deps.atomically(async ({ store, signin }) => {
    const before = await store.findUserById(tenant.id, user.id);
    if (!before) throw identityGraphErrors.userNotFound(idOrUpn);
    await store.revokeUserRefreshTokens(tenant.id, user.id);
    await store.deleteUser(tenant.id, user.id);
    await signin.deleteTotp(tenant.id, user.id);
    await deps.feed.userWritten(store, tenant.id, before, undefined);
  });
  deps.feed.committed();
}
