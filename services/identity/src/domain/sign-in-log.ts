/**
 * The sign-in log: one entry per user token decision (issued, refused by credentials,
 * refused by conditional access), shaped as Graph's `signIn` so administrators read it
 * with the tools they use for Entra's `auditLogs/signIns`.
 */
import { timeOrderedId } from '@baton/kit';
import { identityGraphErrors } from '../errors.js';
import type { IdentityStore, SignInDetails, SignInQuery, SignInRecord } from '../store/store.js';
import { isGuid } from './ids.js';
import { parseListQuery } from './list-query.js';
import { skiptokenFor } from './paging.js';

export type SignInEntry = Omit<SignInRecord, 'id' | 'createdAt'>;

export async function recordSignIn(store: IdentityStore, entry: SignInEntry, now: Date): Promise<SignInRecord> {
  const record: SignInRecord = { ...entry, id: timeOrderedId(now.getTime()), createdAt: now.toISOString() };
  await store.insertSignIn(record);
  return record;
}

export function graphSignIn(r: SignInRecord) {
  const d: SignInDetails = r.details;
  return {
    id: r.id,
    createdDateTime: r.createdAt,
    userId: r.userId,
    userPrincipalName: d.userPrincipalName,
    userDisplayName: d.userDisplayName,
    appId: r.appId,
    appDisplayName: d.appDisplayName,
    resourceId: d.resourceId,
    ipAddress: d.ipAddress,
    clientAppUsed: d.clientAppUsed,
    isInteractive: d.isInteractive,
    correlationId: d.correlationId,
    conditionalAccessStatus: r.conditionalAccessStatus,
    appliedConditionalAccessPolicies: d.appliedConditionalAccessPolicies,
    authenticationMethodsUsed: d.authenticationMethods,
    deviceDetail: d.device ?? { deviceId: '', displayName: '', operatingSystem: null, isCompliant: false, isManaged: false, trustType: null },
    status: { errorCode: r.errorCode, failureReason: d.failureReason ?? (r.errorCode === 0 ? null : 'Other.'), additionalDetails: null },
  };
}

const FILTERABLE: Record<string, keyof SignInQuery> = { userid: 'userId', appid: 'appId' };

export async function listSignIns(store: IdentityStore, tenantId: string, filter: string | undefined, top: string | undefined, skiptoken: string | undefined) {
  // Newest first: the skiptoken names the last entry of the previous page.
  const { limit, afterId, clauses } = parseListQuery(filter, top, skiptoken);
  const query: SignInQuery = { limit: limit + 1, beforeId: afterId };
  for (const clause of clauses) {
    const key = FILTERABLE[clause.property.toLowerCase()];
    if (clause.kind !== 'eq' || !key || typeof clause.value !== 'string') {
      throw identityGraphErrors.unsupportedQuery(`Filtering sign-ins on '${clause.property}' is not supported; use userId or appId eq.`);
    }
    query[key] = clause.value.toLowerCase() as never;
  }
  const rows = await store.listSignIns(tenantId, query);
  const page = rows.slice(0, limit);
  return { signIns: page, nextSkiptoken: rows.length > limit ? skiptokenFor(page[page.length - 1]!.id) : undefined };
}

export async function getSignIn(store: IdentityStore, tenantId: string, id: string): Promise<SignInRecord> {
  const entry = isGuid(id) ? await store.findSignIn(tenantId, id.toLowerCase()) : undefined;
  if (!entry) throw identityGraphErrors.objectNotFound(id);
  return entry;
}
