/**
 * Groups as Graph shows them: assigned (static) groups whose members an administrator
 * adds, and dynamic groups whose members the membership engine keeps equal to the rule.
 */
import { randomUUID } from 'node:crypto';
import {
  decodeSkiptoken,
  encodeSkiptoken,
  evaluateRule,
  formatRule,
  ODataError,
  parseQueryOptions,
  RuleError,
  describeRuleError,
  selectFields,
  type FilterNode,
  type RuleNode,
} from '@baton/protocols';
import { GraphError } from '@baton/kit';
import { identityGraphErrors } from '../errors.js';
import type { DeviceRecord, GroupRecord, IdentityStore, MemberType, ProcessingState, UserRecord } from '../store/store.js';
import type { IdentityDeps } from './deps.js';
import { DEVICE_SELECT, graphDevice } from './devices.js';
import { graphUser, USER_SELECT } from './directory.js';
import { isGuid } from './ids.js';
import type { MembershipChange } from './membership/engine.js';
import { compileRule, compileRuleOrThrow } from './membership/rules.js';
import { subjectOf } from './membership/subject.js';
import type { GraphVersion } from './urls.js';

const DYNAMIC = 'DynamicMembership';
const UNIFIED = 'Unified';
const GROUP_TYPES = [UNIFIED, DYNAMIC];
/** Graph refuses these in mailNickname: @ ( ) \ [ ] " ; : < > , and space, and anything outside ASCII. */
const MAIL_NICKNAME = /^[\x21-\x7e]{1,64}$/;
const MAIL_NICKNAME_FORBIDDEN = /[@()\\[\]";:<>,]/;

const badRequest = (message: string) => new GraphError(400, 'Request_BadRequest', message);

export interface GroupInput {
  displayName?: string;
  description?: string | null;
  mailNickname?: string;
  mailEnabled?: boolean;
  securityEnabled?: boolean;
  groupTypes?: string[];
  membershipRule?: string | null;
  membershipRuleProcessingState?: string | null;
}

export function graphGroup(g: GroupRecord, version: GraphVersion = 'v1.0'): Record<string, unknown> {
  const body: Record<string, unknown> = {
    id: g.id,
    displayName: g.displayName,
    description: g.description,
    mailNickname: g.mailNickname,
    mail: null,
    mailEnabled: g.mailEnabled,
    securityEnabled: g.securityEnabled,
    groupTypes: g.groupTypes,
    membershipRule: g.membershipRule,
    membershipRuleProcessingState: g.membershipRuleProcessingState,
    visibility: null,
    createdDateTime: g.createdAt,
    renewedDateTime: g.createdAt,
    deletedDateTime: null,
  };
  if (version === 'beta') {
    // Membership is computed inside the write, so there is never a run in progress.
    body.membershipRuleProcessingStatus = g.membershipRule
      ? { status: g.membershipRuleProcessingState === 'On' ? 'Succeeded' : 'NotStarted', lastMembershipUpdated: g.membershipUpdatedAt, errorMessage: null }
      : null;
  }
  return body;
}

function canonicalTypes(types: string[]): string[] {
  const out: string[] = [];
  for (const t of types) {
    const known = GROUP_TYPES.find((k) => k.toLowerCase() === String(t).toLowerCase());
    if (!known) throw badRequest(`Invalid value '${String(t).slice(0, 64)}' in groupTypes; allowed: ${GROUP_TYPES.join(', ')}.`);
    if (!out.includes(known)) out.push(known);
  }
  return out;
}

function processingState(value: string | null | undefined): ProcessingState | undefined {
  if (value === undefined || value === null) return undefined;
  const v = String(value).toLowerCase();
  if (v === 'on') return 'On';
  if (v === 'paused') return 'Paused';
  throw badRequest(`Invalid membershipRuleProcessingState '${String(value).slice(0, 40)}'; use On or Paused.`);
}

/** The group a create or update would leave, validated as Graph validates it. */
function resolveGroup(base: GroupRecord, input: GroupInput): GroupRecord {
  const next: GroupRecord = { ...base };
  if (input.displayName !== undefined) {
    if (!input.displayName.trim()) throw badRequest('displayName cannot be empty.');
    next.displayName = input.displayName;
  }
  if (input.description !== undefined) next.description = input.description;
  if (input.mailNickname !== undefined) {
    if (!MAIL_NICKNAME.test(input.mailNickname) || MAIL_NICKNAME_FORBIDDEN.test(input.mailNickname)) {
      throw badRequest('Invalid value specified for property \'mailNickname\' of resource \'Group\'.');
    }
    next.mailNickname = input.mailNickname;
  }
  if (input.mailEnabled !== undefined) next.mailEnabled = input.mailEnabled;
  if (input.securityEnabled !== undefined) next.securityEnabled = input.securityEnabled;
  if (input.groupTypes !== undefined) next.groupTypes = canonicalTypes(input.groupTypes);
  const dynamic = next.groupTypes.includes(DYNAMIC);
  if (input.membershipRule !== undefined) next.membershipRule = input.membershipRule;
  const state = processingState(input.membershipRuleProcessingState);
  if (state) next.membershipRuleProcessingState = state;
  if (next.mailEnabled && !next.groupTypes.includes(UNIFIED)) {
    throw badRequest('Mail-enabled security groups and distribution lists cannot be created or updated through this API.');
  }
  if (dynamic) {
    if (!next.membershipRule || !next.membershipRule.trim()) {
      throw badRequest("A group with 'DynamicMembership' in groupTypes needs a membershipRule.");
    }
    const compiled = compileRuleOrThrow(next.membershipRule);
    next.ruleSubject = compiled.subject;
    next.membershipRuleProcessingState ??= 'On';
  } else {
    if (next.membershipRule) throw badRequest("membershipRule can only be set on a group with 'DynamicMembership' in groupTypes.");
    if (input.membershipRuleProcessingState) throw badRequest("membershipRuleProcessingState can only be set on a dynamic group.");
    next.membershipRule = null;
    next.membershipRuleProcessingState = null;
    next.ruleSubject = null;
  }
  return next;
}

function ruleIndex(group: GroupRecord): string[] {
  return group.membershipRule && group.ruleSubject ? compileRule(group.membershipRule).properties : [];
}

export async function createGroup(deps: IdentityDeps, tenantId: string, input: GroupInput): Promise<GroupRecord> {
  for (const required of ['displayName', 'mailNickname', 'mailEnabled', 'securityEnabled'] as const) {
    if (input[required] === undefined) throw badRequest(`Property '${required}' is required to create a group.`);
  }
  const at = deps.now().toISOString();
  const group = resolveGroup(
    {
      id: randomUUID(),
      tenantId,
      displayName: '',
      description: null,
      mailNickname: '',
      mailEnabled: false,
      securityEnabled: false,
      groupTypes: [],
      membershipRule: null,
      membershipRuleProcessingState: null,
      ruleSubject: null,
      membershipUpdatedAt: null,
      createdAt: at,
      modifiedAt: at,
    },
    input,
  );
  const created = await deps.store.transaction(async (tx) => {
    await tx.insertGroup(group);
    await tx.setGroupRuleProperties(tenantId, group.id, ruleIndex(group));
    const changes = group.ruleSubject ? await deps.feed.engine.recomputeGroup(tx, group) : [];
    if (group.ruleSubject) {
      group.membershipUpdatedAt = deps.now().toISOString();
      await tx.updateGroup(tenantId, group.id, { membershipUpdatedAt: group.membershipUpdatedAt });
    }
    await deps.feed.groupWritten(tx, tenantId, 'created', group, changes);
    return group;
  });
  deps.feed.committed();
  return created;
}

export async function getGroup(store: IdentityStore, tenantId: string, id: string): Promise<GroupRecord> {
  const group = isGuid(id) ? await store.findGroup(tenantId, id) : undefined;
  if (!group) throw identityGraphErrors.groupNotFound(id);
  return group;
}

export async function updateGroup(deps: IdentityDeps, tenantId: string, id: string, input: GroupInput): Promise<GroupRecord> {
  const updated = await deps.store.transaction(async (tx) => {
    const current = await getGroup(tx, tenantId, id);
    const next = resolveGroup(current, input);
    next.modifiedAt = deps.now().toISOString();
    const ruleMoved =
      next.membershipRule !== current.membershipRule ||
      next.membershipRuleProcessingState !== current.membershipRuleProcessingState ||
      next.ruleSubject !== current.ruleSubject;
    const changes: MembershipChange[] = [];
    if (next.ruleSubject && !current.ruleSubject) {
      // Becoming dynamic replaces the assigned members with the rule's.
      const assigned = (await tx.listGroupMembers(tenantId, current.id, undefined, 1_000_000)).filter((m) => m.source === 'static');
      await tx.deleteGroupMembers(tenantId, current.id, assigned.map((m) => m.memberId));
      changes.push(...(await describeRemoved(tx, tenantId, current.id, assigned.map((m) => ({ id: m.memberId, type: m.memberType })))));
    }
    if (ruleMoved) {
      await tx.setGroupRuleProperties(tenantId, next.id, ruleIndex(next));
      // A paused rule keeps the members it had; only an active rule (or none) recomputes.
      if (next.membershipRuleProcessingState !== 'Paused') {
        changes.push(...(await deps.feed.engine.recomputeGroup(tx, next)));
        next.membershipUpdatedAt = next.ruleSubject ? deps.now().toISOString() : null;
      }
    }
    await tx.updateGroup(tenantId, next.id, next);
    await deps.feed.groupWritten(tx, tenantId, 'updated', next, changes);
    return next;
  });
  deps.feed.committed();
  return updated;
}

async function describeRemoved(tx: IdentityStore, tenantId: string, groupId: string, members: Array<{ id: string; type: MemberType }>) {
  const devices = new Map((await tx.findDevicesByIds(tenantId, members.filter((m) => m.type === 'device').map((m) => m.id))).map((d) => [d.id, d]));
  return members.map(
    (m): MembershipChange => ({
      tenantId,
      groupId,
      memberId: m.id,
      memberType: m.type,
      ...(devices.get(m.id) ? { deviceId: devices.get(m.id)!.deviceId } : {}),
      change: 'removed',
    }),
  );
}

export async function deleteGroup(deps: IdentityDeps, tenantId: string, id: string): Promise<void> {
  await deps.store.transaction(async (tx) => {
    const group = await getGroup(tx, tenantId, id);
    await tx.deleteGroup(tenantId, group.id);
    await deps.feed.groupWritten(tx, tenantId, 'deleted', group, []);
  });
  deps.feed.committed();
}

/** `https://…/v1.0/directoryObjects/{id}` (or `/devices/{id}`, `/users/{id}`) → the id. */
function referencedId(odataId: string): string {
  let path: string;
  try {
    path = new URL(odataId).pathname;
  } catch {
    path = odataId;
  }
  const match = /\/?(?:directoryObjects|devices|users)\/([0-9a-fA-F-]{36})\/?$/.exec(path);
  if (!match || !isGuid(match[1]!)) throw badRequest("Invalid '@odata.id': expected https://…/directoryObjects/{id}.");
  return match[1]!.toLowerCase();
}

async function findMember(store: IdentityStore, tenantId: string, id: string): Promise<{ type: MemberType; record: DeviceRecord | UserRecord }> {
  const device = await store.findDevice(tenantId, id);
  if (device) return { type: 'device', record: device };
  const user = await store.findUserById(tenantId, id);
  if (user) return { type: 'user', record: user };
  throw identityGraphErrors.objectNotFound(id);
}

function refuseDynamic(group: GroupRecord): void {
  if (group.groupTypes.includes(DYNAMIC)) {
    throw badRequest('Members of a group with dynamic membership are set by its membershipRule and cannot be added or removed.');
  }
}

export async function addMember(deps: IdentityDeps, tenantId: string, groupId: string, odataId: string): Promise<void> {
  const memberId = referencedId(odataId);
  await deps.store.transaction(async (tx) => {
    const group = await getGroup(tx, tenantId, groupId);
    refuseDynamic(group);
    const { type, record } = await findMember(tx, tenantId, memberId);
    if ((await tx.membershipsOf(tenantId, memberId)).some((m) => m.groupId === group.id)) {
      throw badRequest("One or more added object references already exist for the following modified properties: 'members'.");
    }
    await tx.insertGroupMembers([{ groupId: group.id, memberId, memberType: type, tenantId, source: 'static' }]);
    await deps.feed.membershipChanged(tx, tenantId, [
      { tenantId, groupId: group.id, memberId, memberType: type, ...(type === 'device' ? { deviceId: (record as DeviceRecord).deviceId } : {}), change: 'added' },
    ]);
  });
  deps.feed.committed();
}

export async function removeMember(deps: IdentityDeps, tenantId: string, groupId: string, memberId: string): Promise<void> {
  await deps.store.transaction(async (tx) => {
    const group = await getGroup(tx, tenantId, groupId);
    refuseDynamic(group);
    const membership = isGuid(memberId) ? (await tx.membershipsOf(tenantId, memberId.toLowerCase())).find((m) => m.groupId === group.id) : undefined;
    if (!membership) throw identityGraphErrors.objectNotFound(memberId);
    await tx.deleteGroupMembers(tenantId, group.id, [membership.memberId]);
    await deps.feed.membershipChanged(tx, tenantId, await describeRemoved(tx, tenantId, group.id, [{ id: membership.memberId, type: membership.memberType }]));
  });
  deps.feed.committed();
}

// ---- reading ---------------------------------------------------------------------------

export const GROUP_SELECT = [
  'id',
  'displayName',
  'description',
  'mailNickname',
  'mail',
  'mailEnabled',
  'securityEnabled',
  'groupTypes',
  'membershipRule',
  'membershipRuleProcessingState',
  'membershipRuleProcessingStatus',
  'visibility',
  'createdDateTime',
  'renewedDateTime',
  'deletedDateTime',
];

/** A group's members are devices and users: `$select` names properties of either. */
const MEMBER_SELECT = [...new Set<string>([...DEVICE_SELECT, ...USER_SELECT])];

export interface DirectoryListQuery {
  filter?: FilterNode;
  select?: string[];
  top: number;
  afterId?: string;
  count: boolean;
}

function asGraphQueryError(error: unknown): never {
  if (error instanceof ODataError) throw identityGraphErrors.unsupportedQuery(error.message);
  throw error;
}

/** Filters that Entra serves only as advanced queries (ConsistencyLevel: eventual and $count=true). */
function needsAdvancedQuery(node: FilterNode): boolean {
  switch (node.kind) {
    case 'and':
    case 'or':
      return needsAdvancedQuery(node.left) || needsAdvancedQuery(node.right);
    case 'not':
      return true;
    case 'compare':
      return node.op === 'ne';
    case 'in':
      return false;
    case 'function':
      return node.name !== 'startswith';
    case 'lambda':
      return node.predicate ? needsAdvancedQuery(node.predicate) : false;
  }
}

function afterIdOf(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  const cursor = decodeSkiptoken(token);
  if (typeof cursor.after !== 'string' || !isGuid(cursor.after)) throw identityGraphErrors.unsupportedQuery('$skiptoken is not a token this service issued.');
  return cursor.after;
}

export function skiptokenAfter(id: string): string {
  return encodeSkiptoken({ after: id });
}

/**
 * `$filter` (eq, startswith, and/or, `groupTypes/any(…)`; ne, not, endswith, contains only
 * as advanced queries), `$select`, `$top`, `$skiptoken`, `$count` (advanced only).
 */
export function groupListQuery(query: Record<string, string | undefined>, consistencyLevel: string | undefined): DirectoryListQuery {
  try {
    const q = parseQueryOptions(query, { options: ['filter', 'select', 'top', 'skiptoken', 'count'], select: GROUP_SELECT });
    const eventual = (consistencyLevel ?? '').trim().toLowerCase() === 'eventual';
    if (q.count && !eventual) {
      throw identityGraphErrors.unsupportedQuery('$count is only supported with the ConsistencyLevel header set to eventual.');
    }
    if (q.filter && needsAdvancedQuery(q.filter) && !(eventual && q.count)) {
      throw identityGraphErrors.unsupportedQuery(
        "Unsupported or invalid query filter clause specified; this filter needs the ConsistencyLevel: eventual header and $count=true.",
      );
    }
    return { filter: q.filter, select: q.select, top: q.top ?? 100, afterId: afterIdOf(q.skiptoken), count: q.count ?? false };
  } catch (error) {
    asGraphQueryError(error);
  }
}

export function pageQuery(query: Record<string, string | undefined>, select: readonly string[] = MEMBER_SELECT): DirectoryListQuery {
  try {
    const q = parseQueryOptions(query, { options: ['select', 'top', 'skiptoken'], select });
    return { select: q.select, top: q.top ?? 100, afterId: afterIdOf(q.skiptoken), count: false };
  } catch (error) {
    asGraphQueryError(error);
  }
}

export async function listGroups(store: IdentityStore, tenantId: string, q: DirectoryListQuery) {
  try {
    const rows = await store.listGroups(tenantId, { filter: q.filter, afterId: q.afterId, limit: q.top + 1 });
    const page = rows.slice(0, q.top);
    const count = q.count ? await store.countGroups(tenantId, q.filter) : undefined;
    return { groups: page, next: rows.length > q.top ? skiptokenAfter(page[page.length - 1]!.id) : undefined, count };
  } catch (error) {
    asGraphQueryError(error);
  }
}

export function withSelect(item: Record<string, unknown>, select: string[] | undefined): Record<string, unknown> {
  const picked = selectFields(item, select);
  // Graph keeps the id in every selected object so clients can address it.
  if (select && select.length > 0 && 'id' in item) picked.id = item.id;
  return picked;
}

/** The select lists of a group's members, all of them or cast to one type (`members/microsoft.graph.device`). */
export const MEMBER_CAST_SELECT: Record<'all' | MemberType, readonly string[]> = { all: MEMBER_SELECT, device: DEVICE_SELECT, user: USER_SELECT };

export async function listMembers(store: IdentityStore, tenantId: string, groupId: string, q: DirectoryListQuery, memberType?: MemberType) {
  const group = await getGroup(store, tenantId, groupId);
  const rows = await store.listGroupMembers(tenantId, group.id, q.afterId, q.top + 1, memberType);
  const page = rows.slice(0, q.top);
  const devices = new Map((await store.findDevicesByIds(tenantId, page.filter((m) => m.memberType === 'device').map((m) => m.memberId))).map((d) => [d.id, d]));
  const users = new Map((await store.findUsersByIds(tenantId, page.filter((m) => m.memberType === 'user').map((m) => m.memberId))).map((u) => [u.id, u]));
  const items = page.flatMap((m) => {
    const device = devices.get(m.memberId);
    if (device) return [withSelect({ '@odata.type': '#microsoft.graph.device', ...graphDevice(device) }, q.select)];
    const user = users.get(m.memberId);
    if (user) return [withSelect({ '@odata.type': '#microsoft.graph.user', ...graphUser(user) }, q.select)];
    return [];
  });
  return { items, next: rows.length > q.top ? skiptokenAfter(page[page.length - 1]!.memberId) : undefined };
}

export async function countMembers(store: IdentityStore, tenantId: string, groupId: string, memberType?: MemberType): Promise<number> {
  const group = await getGroup(store, tenantId, groupId);
  return store.countGroupMembers(tenantId, group.id, memberType);
}

export async function listMemberOf(store: IdentityStore, tenantId: string, memberId: string, q: DirectoryListQuery, version: GraphVersion) {
  const rows = await store.listMemberOf(tenantId, memberId, q.afterId, q.top + 1);
  const page = rows.slice(0, q.top);
  return {
    items: page.map((g) => withSelect({ '@odata.type': '#microsoft.graph.group', ...graphGroup(g, version) }, q.select)),
    next: rows.length > q.top ? skiptokenAfter(page[page.length - 1]!.id) : undefined,
  };
}

// ---- dry run ---------------------------------------------------------------------------

export interface ExpressionEvaluationDetails {
  expression: string;
  expressionResult: boolean;
  propertyToEvaluate: { propertyName: string; propertyValue: string } | null;
  expressionEvaluationDetails: ExpressionEvaluationDetails[];
}

function details(node: RuleNode, subject: Record<string, unknown>): ExpressionEvaluationDetails {
  const children = node.kind === 'and' || node.kind === 'or' ? [node.left, node.right] : node.kind === 'not' ? [node.operand] : [];
  let property: ExpressionEvaluationDetails['propertyToEvaluate'] = null;
  if (node.kind === 'comparison' && node.property.kind === 'property') property = propertyValue(node.property.name, subject);
  if (node.kind === 'quantifier') property = propertyValue(node.property.name, subject);
  return {
    expression: formatRule(node),
    expressionResult: evaluateRule(node, subject),
    propertyToEvaluate: property,
    expressionEvaluationDetails: children.map((c) => details(c, subject)),
  };
}

function propertyValue(name: string, subject: Record<string, unknown>) {
  const key = Object.keys(subject).find((k) => k.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? null : subject[key];
  return { propertyName: name, propertyValue: Array.isArray(value) ? value.join(',') : value === null || value === undefined ? '' : String(value) };
}

/**
 * Graph beta's `evaluateDynamicMembership`: would this object be a member under this rule
 * (the group's own when none is given)? Nothing is written. An invalid rule is answered,
 * not refused, so an editor can show where it breaks.
 */
export async function evaluateMembership(
  store: IdentityStore,
  tenantId: string,
  groupId: string | undefined,
  input: { memberId: string; membershipRule?: string },
) {
  const group = groupId !== undefined ? await getGroup(store, tenantId, groupId) : undefined;
  const rule = input.membershipRule ?? group?.membershipRule ?? undefined;
  if (!rule) throw badRequest('membershipRule is required when the group has no rule of its own.');
  if (!isGuid(input.memberId)) throw badRequest('memberId must be the object id of a device or user.');
  const member = await findMember(store, tenantId, input.memberId.toLowerCase());
  let compiled;
  try {
    compiled = compileRule(rule);
  } catch (error) {
    if (!(error instanceof RuleError)) throw error;
    return {
      membershipRule: rule,
      membershipRuleValidationResult: { isValid: false, errorMessage: describeRuleError(rule, error), errorPosition: error.position, errorLength: error.length },
      membershipRuleEvaluationResult: null,
      membershipRuleEvaluationDetails: null,
    };
  }
  if (compiled.subject !== member.type) {
    throw badRequest(`The rule is about ${compiled.subject}s, but '${input.memberId.slice(0, 64)}' is a ${member.type}.`);
  }
  const subject = subjectOf(member.type, member.record);
  const tree = details(compiled.ast, subject);
  return {
    membershipRule: rule,
    membershipRuleValidationResult: { isValid: true, errorMessage: null },
    membershipRuleEvaluationResult: tree.expressionResult,
    membershipRuleEvaluationDetails: tree,
  };
}

