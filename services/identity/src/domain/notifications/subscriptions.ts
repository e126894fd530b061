/**
 * Graph-shaped change-notification subscriptions. Each belongs to one tenant and one
 * calling application; a subscription is created only after its endpoint proved, by
 * echoing a random token, that it wants these notifications.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  MAX_CLIENT_STATE_LENGTH,
  MAX_SUBSCRIPTION_MINUTES,
  SUBSCRIPTION_VALIDATION_TIMEOUT_MS,
  type ChangeType,
  type Subscription,
  type SubscriptionRequest,
} from '@baton/contracts';
import { GraphError, type Fetch } from '@baton/kit';
import { identityGraphErrors } from '../../errors.js';
import type { IdentityStore, SubscriptionRecord } from '../../store/store.js';
import { isGuid } from '../ids.js';

const CHANGE_TYPES: readonly ChangeType[] = ['created', 'updated', 'deleted'];

const invalid = (message: string) => new GraphError(400, 'InvalidRequest', message);
const validationFailed = (message: string) => new GraphError(400, 'ValidationError', `Subscription validation request failed. ${message}`);

export type ResourceKind = 'groups' | 'devices';

/** The canonical spelling subscriptions are stored and matched under, and what it watches. */
export function canonicalResource(resource: string): { resource: string; kind: ResourceKind; groupId?: string } {
  const path = resource.trim().replace(/^\/+/, '').replace(/\/+$/, '').toLowerCase();
  if (path === 'groups' || path === 'devices') return { resource: path, kind: path };
  const members = /^groups\/([0-9a-f-]{36})\/members$/.exec(path);
  if (members && isGuid(members[1]!)) return { resource: path, kind: 'groups', groupId: members[1]! };
  throw invalid(`Resource '${resource.slice(0, 200)}' is not supported; use 'groups', 'groups/{id}/members' or 'devices'.`);
}

function changeTypes(value: string): ChangeType[] {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => !CHANGE_TYPES.includes(p as ChangeType))) {
    throw invalid(`changeType '${value.slice(0, 100)}' is invalid; use a comma-separated subset of created, updated, deleted.`);
  }
  return [...new Set(parts as ChangeType[])];
}

function expiry(value: string, now: Date): string {
  const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/.test(value) ? new Date(value) : new Date(NaN);
  if (Number.isNaN(at.getTime())) throw invalid(`expirationDateTime '${value.slice(0, 60)}' is not an ISO 8601 date and time.`);
  if (at.getTime() <= now.getTime()) throw invalid('Subscription expiration must be in the future.');
  if (at.getTime() > now.getTime() + MAX_SUBSCRIPTION_MINUTES * 60_000) {
    throw invalid(`Subscription expiration can only be ${MAX_SUBSCRIPTION_MINUTES} minutes in the future.`);
  }
  return at.toISOString();
}

function notificationUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('notificationUrl is not an absolute URL.');
  }
  if (url.protocol !== 'https:') throw invalid('notificationUrl must use https.');
  if (url.username || url.password) throw invalid('notificationUrl must not carry credentials.');
  return url;
}

/**
 * Graph's validation handshake: POST `?validationToken=…`; the endpoint must answer 200,
 * text/plain, with the token and nothing else, within ten seconds.
 */
export async function validateEndpoint(fetch: Fetch, url: URL): Promise<void> {
  const token = `Validation: ${randomBytes(24).toString('base64url')}`;
  const target = new URL(url);
  target.searchParams.set('validationToken', token);
  let response: Response;
  try {
    response = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: '',
      signal: AbortSignal.timeout(SUBSCRIPTION_VALIDATION_TIMEOUT_MS),
    });
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? 'did not answer within 10 seconds' : 'could not be reached';
    throw validationFailed(`The notification endpoint ${reason}.`);
  }
  const text = await response.text().catch(() => '');
  if (response.status !== 200) throw validationFailed(`Notification endpoint must respond with 200 OK to validation request (it answered ${response.status}).`);
  if (!(response.headers.get('content-type') ?? '').toLowerCase().startsWith('text/plain')) {
    throw validationFailed('The validation response must be text/plain.');
  }
  if (text !== token) throw validationFailed('Response must exactly match validationToken query parameter.');
}

export function graphSubscription(s: SubscriptionRecord): Subscription {
  return {
    id: s.id,
    resource: s.resource,
    changeType: s.changeTypes.join(','),
    notificationUrl: s.notificationUrl,
    expirationDateTime: s.expiresAt,
    clientState: s.clientState,
    applicationId: s.appId,
    creatorId: s.appId,
    includeResourceData: false,
    latestSupportedTlsVersion: 'v1_2',
  };
}

export interface SubscriptionCaller {
  tenantId: string;
  appId: string;
  /** Throws unless the caller may read what `kind` watches. */
  mayRead(kind: ResourceKind): void;
}

export async function createSubscription(
  store: IdentityStore,
  fetch: Fetch,
  caller: SubscriptionCaller,
  input: SubscriptionRequest,
  now: Date,
): Promise<SubscriptionRecord> {
  const target = canonicalResource(input.resource);
  caller.mayRead(target.kind);
  const types = changeTypes(input.changeType);
  const expiresAt = expiry(input.expirationDateTime, now);
  const url = notificationUrl(input.notificationUrl);
  if (input.clientState !== undefined && input.clientState.length > MAX_CLIENT_STATE_LENGTH) {
    throw invalid(`clientState is longer than ${MAX_CLIENT_STATE_LENGTH} characters.`);
  }
  if (target.groupId && !(await store.findGroup(caller.tenantId, target.groupId))) {
    throw identityGraphErrors.groupNotFound(target.groupId);
  }
  await validateEndpoint(fetch, url);
  const record: SubscriptionRecord = {
    id: randomUUID(),
    tenantId: caller.tenantId,
    appId: caller.appId.toLowerCase(),
    resource: target.resource,
    changeTypes: types,
    notificationUrl: url.toString(),
    clientState: input.clientState ?? null,
    expiresAt,
    createdAt: now.toISOString(),
  };
  await store.insertSubscription(record);
  return record;
}

/** The caller's own subscription; any other (another app's, another tenant's) is not found. */
export async function ownSubscription(store: IdentityStore, caller: SubscriptionCaller, id: string): Promise<SubscriptionRecord> {
  const s = isGuid(id) ? await store.findSubscription(id) : undefined;
  if (!s || s.tenantId !== caller.tenantId || s.appId !== caller.appId.toLowerCase()) {
    throw new GraphError(404, 'ResourceNotFound', `The object was not found: subscription '${id.slice(0, 64)}'.`);
  }
  return s;
}

export async function renewSubscription(store: IdentityStore, caller: SubscriptionCaller, id: string, expirationDateTime: string, now: Date) {
  const s = await ownSubscription(store, caller, id);
  const expiresAt = expiry(expirationDateTime, now);
  await store.updateSubscriptionExpiry(s.id, expiresAt);
  return { ...s, expiresAt };
}
