/** The organization and its users as Graph shows them; password hashes never leave. */
import { identityGraphErrors } from '../errors.js';
import type { IdentityStore, TenantRecord, UserQuery, UserRecord } from '../store/store.js';
import { isGuid } from './ids.js';
import { parseListQuery } from './list-query.js';
import { skiptokenFor } from './paging.js';

export function graphOrganization(tenant: TenantRecord) {
  return {
    id: tenant.id,
    displayName: tenant.displayName,
    verifiedDomains: [{ name: tenant.domain, isDefault: true, isInitial: true, type: 'Managed', capabilities: 'None' }],
    createdDateTime: tenant.createdAt,
    branding: tenant.branding,
  };
}

export function graphUser(user: UserRecord) {
  return {
    id: user.id,
    displayName: user.displayName,
    userPrincipalName: user.upn,
    mail: null,
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

export function userQuery(filter: string | undefined, top: string | undefined, skiptoken: string | undefined): UserQuery {
  const { limit, afterId, clauses } = parseListQuery(filter, top, skiptoken);
  const query: UserQuery = { limit, afterId };
  for (const clause of clauses) {
    if (clause.kind !== 'eq' || clause.property.toLowerCase() !== 'userprincipalname' || typeof clause.value !== 'string') {
      throw identityGraphErrors.unsupportedQuery(`Filtering users on '${clause.property}' is not supported.`);
    }
    query.upn = clause.value;
  }
  return query;
}

export async function listUsers(store: IdentityStore, tenantId: string, query: UserQuery) {
  const rows = await store.listUsers(tenantId, { ...query, limit: query.limit + 1 });
  const page = rows.slice(0, query.limit);
  return { users: page, nextSkiptoken: rows.length > query.limit ? skiptokenFor(page[page.length - 1]!.id) : undefined };
}
