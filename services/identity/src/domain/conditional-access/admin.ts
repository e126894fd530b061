/**
 * Creating, reading, changing and deleting a tenant's policies and named locations through
 * the store, and loading them compiled for evaluation. Every write is validated whole; a
 * policy may only name locations the tenant has, and a location in use cannot be deleted.
 */
import { randomUUID } from 'node:crypto';
import type { FilterNode } from '@baton/protocols';
import { identityGraphErrors } from '../../errors.js';
import type { ConditionalAccessRecord, IdentityStore } from '../../store/store.js';
import { compileNamedLocations, compilePolicy, type CompiledNamedLocations, type CompiledPolicy } from './compile.js';
import { ConditionalAccessValidationError } from './errors.js';
import type { ConditionalAccessPolicy, ConditionalAccessPolicyBody, NamedLocation, NamedLocationBody } from './types.js';
import { validateNamedLocation } from './validate-location.js';
import { mergePatch, validatePolicy } from './validate-policy.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ListPage {
  filter?: FilterNode;
  afterId?: string;
  top: number;
}

export function policyOf(record: ConditionalAccessRecord): ConditionalAccessPolicy {
  const body = record.body as ConditionalAccessPolicyBody;
  return {
    id: record.id,
    templateId: body.templateId,
    displayName: body.displayName,
    createdDateTime: record.createdAt,
    modifiedDateTime: record.modifiedAt,
    state: body.state,
    description: body.description,
    conditions: body.conditions,
    grantControls: body.grantControls,
    sessionControls: body.sessionControls,
  };
}

export function namedLocationOf(record: ConditionalAccessRecord): NamedLocation {
  const body = record.body as NamedLocationBody;
  return { ...body, id: record.id, createdDateTime: record.createdAt, modifiedDateTime: record.modifiedAt };
}

function policyRecord(tenantId: string, id: string, body: ConditionalAccessPolicyBody, createdAt: string, modifiedAt: string | null): ConditionalAccessRecord {
  return { id, tenantId, displayName: body.displayName, kind: body.state, body, createdAt, modifiedAt };
}

/** Locations a policy names must exist in the tenant (Graph refuses dangling ids too). */
async function checkLocations(store: IdentityStore, tenantId: string, body: ConditionalAccessPolicyBody): Promise<void> {
  const l = body.conditions.locations;
  if (!l) return;
  const ids = [...l.includeLocations, ...l.excludeLocations].filter((x) => GUID.test(x));
  if (ids.length === 0) return;
  const known = new Set((await store.listConditionalAccess('namedLocations', tenantId, {})).map((r) => r.id));
  ids.forEach((id) => {
    if (!known.has(id)) {
      const list = l.includeLocations.includes(id) ? 'includeLocations' : 'excludeLocations';
      throw new ConditionalAccessValidationError('ca.value', `conditions.locations.${list}`, `named location '${id}' does not exist in this tenant`);
    }
  });
}

async function findOr404(store: IdentityStore, table: 'policies' | 'namedLocations', tenantId: string, id: string): Promise<ConditionalAccessRecord> {
  const record = GUID.test(id) ? await store.findConditionalAccess(table, tenantId, id) : undefined;
  if (!record) throw identityGraphErrors.objectNotFound(id);
  return record;
}

export async function createPolicy(store: IdentityStore, tenantId: string, input: unknown, now: Date): Promise<ConditionalAccessPolicy> {
  const body = validatePolicy(input);
  await checkLocations(store, tenantId, body);
  const record = policyRecord(tenantId, randomUUID(), body, now.toISOString(), null);
  await store.insertConditionalAccess('policies', record);
  return policyOf(record);
}

export async function getPolicy(store: IdentityStore, tenantId: string, id: string): Promise<ConditionalAccessPolicy> {
  return policyOf(await findOr404(store, 'policies', tenantId, id));
}

export async function listPolicies(store: IdentityStore, tenantId: string, page: ListPage) {
  const rows = await store.listConditionalAccess('policies', tenantId, { filter: page.filter, afterId: page.afterId, limit: page.top + 1 });
  const items = rows.slice(0, page.top);
  return { items: items.map(policyOf), lastId: rows.length > page.top ? items[items.length - 1]!.id : undefined };
}

export async function updatePolicy(store: IdentityStore, tenantId: string, id: string, patch: unknown, now: Date): Promise<ConditionalAccessPolicy> {
  return store.transaction(async (tx) => {
    const current = await findOr404(tx, 'policies', tenantId, id);
    const body = validatePolicy(mergePatch(current.body, patch));
    await checkLocations(tx, tenantId, body);
    const record = policyRecord(tenantId, current.id, body, current.createdAt, now.toISOString());
    if (!(await tx.updateConditionalAccess('policies', record))) throw identityGraphErrors.objectNotFound(id);
    return policyOf(record);
  });
}

export async function deletePolicy(store: IdentityStore, tenantId: string, id: string): Promise<void> {
  if (!GUID.test(id) || !(await store.deleteConditionalAccess('policies', tenantId, id))) throw identityGraphErrors.objectNotFound(id);
}

export async function createNamedLocation(store: IdentityStore, tenantId: string, input: unknown, now: Date): Promise<NamedLocation> {
  const body = validateNamedLocation(input);
  const record: ConditionalAccessRecord = { id: randomUUID(), tenantId, displayName: body.displayName, kind: body['@odata.type'], body, createdAt: now.toISOString(), modifiedAt: null };
  await store.insertConditionalAccess('namedLocations', record);
  return namedLocationOf(record);
}

export async function getNamedLocation(store: IdentityStore, tenantId: string, id: string): Promise<NamedLocation> {
  return namedLocationOf(await findOr404(store, 'namedLocations', tenantId, id));
}

export async function listNamedLocations(store: IdentityStore, tenantId: string, page: ListPage) {
  const rows = await store.listConditionalAccess('namedLocations', tenantId, { filter: page.filter, afterId: page.afterId, limit: page.top + 1 });
  const items = rows.slice(0, page.top);
  return { items: items.map(namedLocationOf), lastId: rows.length > page.top ? items[items.length - 1]!.id : undefined };
}

export async function updateNamedLocation(store: IdentityStore, tenantId: string, id: string, patch: unknown, now: Date): Promise<NamedLocation> {
  return store.transaction(async (tx) => {
    const current = await findOr404(tx, 'namedLocations', tenantId, id);
    const body = validateNamedLocation(mergePatch(current.body, patch), current.kind);
    const record: ConditionalAccessRecord = { ...current, displayName: body.displayName, body, modifiedAt: now.toISOString() };
    if (!(await tx.updateConditionalAccess('namedLocations', record))) throw identityGraphErrors.objectNotFound(id);
    return namedLocationOf(record);
  });
}

export async function deleteNamedLocation(store: IdentityStore, tenantId: string, id: string): Promise<void> {
  await store.transaction(async (tx) => {
    const location = await findOr404(tx, 'namedLocations', tenantId, id);
    const users = (await tx.listConditionalAccess('policies', tenantId, {}))
      .map(policyOf)
      .filter((p) => p.conditions.locations && [...p.conditions.locations.includeLocations, ...p.conditions.locations.excludeLocations].includes(location.id));
    if (users.length > 0) {
      throw identityGraphErrors.invalidValue(`The named location is used by conditional access policies (${users.map((p) => p.id).join(', ')}); remove it from them first.`);
    }
    await tx.deleteConditionalAccess('namedLocations', tenantId, location.id);
  });
}

/** What the token endpoint evaluates: a tenant's policies and locations, compiled. */
export interface TenantConditionalAccess {
  policies: CompiledPolicy[];
  namedLocations: CompiledNamedLocations;
  /** Policies by id, as Graph shows them (what-if answers with them). */
  byId: ReadonlyMap<string, ConditionalAccessPolicy>;
}

const COMPILE_CACHE_LIMIT = 10_000;
/** Compiled policies by id and version, so loading per token does not re-parse device filters. */
const compiled = new Map<string, CompiledPolicy>();

function compileCached(policy: ConditionalAccessPolicy): CompiledPolicy {
  const key = `${policy.id}|${policy.modifiedDateTime ?? policy.createdDateTime}`;
  let hit = compiled.get(key);
  if (!hit) {
    hit = compilePolicy(policy);
    if (compiled.size >= COMPILE_CACHE_LIMIT) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, hit);
  }
  return hit;
}

/**
 * Compiled sets per tenant for the token endpoint: each sign-in asks the store for the
 * tenant's version (two aggregate queries) and reloads only when it changed, so a policy
 * written through any replica applies to the next sign-in everywhere.
 */
export class ConditionalAccessCache {
  private readonly tenants = new Map<string, { version: string; value: TenantConditionalAccess }>();

  constructor(
    private readonly store: IdentityStore,
    private readonly limit = 1000,
  ) {}

  async get(tenantId: string): Promise<TenantConditionalAccess> {
    const version = await this.store.conditionalAccessVersion(tenantId);
    const hit = this.tenants.get(tenantId);
    if (hit && hit.version === version) return hit.value;
    const value = await loadConditionalAccess(this.store, tenantId);
    this.tenants.delete(tenantId);
    if (this.tenants.size >= this.limit) this.tenants.delete(this.tenants.keys().next().value!);
    this.tenants.set(tenantId, { version, value });
    return value;
  }
}

/** Loads and compiles a tenant's policies and named locations (two queries). */
export async function loadConditionalAccess(store: IdentityStore, tenantId: string): Promise<TenantConditionalAccess> {
  const [policyRows, locationRows] = await Promise.all([
    store.listConditionalAccess('policies', tenantId, {}),
    store.listConditionalAccess('namedLocations', tenantId, {}),
  ]);
  const policies = policyRows.map(policyOf);
  return {
    policies: policies.map(compileCached),
    namedLocations: compileNamedLocations(locationRows.map(namedLocationOf)),
    byId: new Map(policies.map((p) => [p.id, p])),
  };
}
