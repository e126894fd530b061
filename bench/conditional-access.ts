/**
 * Identity's conditional access evaluator: 200 realistic policies (legacy-auth blocks,
 * MFA for groups and roles, compliant-device grants per app, OR grants, device filters,
 * locations, risk, report-only and disabled ones) against many sign-in contexts (users in
 * ~30 groups, 60 apps, five platforms, IPv4/IPv6 addresses over 25 named locations,
 * registered and unregistered devices). Prints µs per evaluation beside two baselines run
 * in the same process: the per-policy state and user checks alone, and the 200 device-filter
 * rules alone; then the what-if mode (every failed condition listed), loading + compiling
 * the tenant's set from SQLite, and the cached path the token endpoint takes (a version
 * check), beside one SQLite point lookup.
 *
 *   node --import tsx bench/conditional-access.ts [--policies 200] [--evaluations 200000]
 */
import { randomUUID } from 'node:crypto';
import { openDatabase } from '@baton/kit';
import { evaluateRule, parseRule, type RuleNode } from '@baton/protocols';
import { ConditionalAccessCache, loadConditionalAccess } from '../services/identity/src/domain/conditional-access/admin.js';
import { compileNamedLocations, compilePolicies, type CompiledPolicy } from '../services/identity/src/domain/conditional-access/compile.js';
import { evaluateConditionalAccess } from '../services/identity/src/domain/conditional-access/evaluate.js';
import type { ConditionalAccessDevice, ConditionalAccessPolicy, NamedLocation, SignIn } from '../services/identity/src/domain/conditional-access/types.js';
import { validateNamedLocation } from '../services/identity/src/domain/conditional-access/validate-location.js';
import { validatePolicy } from '../services/identity/src/domain/conditional-access/validate-policy.js';
import { KyselyIdentityStore } from '../services/identity/src/store/kysely-store.js';
import { identityMigrations } from '../services/identity/src/store/migrations.js';
import type { IdentityDatabase } from '../services/identity/src/store/schema.js';
import { arg, benchDataDir } from './support.js';

const policyCount = arg('policies', 200);
const evaluations = arg('evaluations', 200_000);

/** A deterministic PRNG so runs compare. */
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
const some = <T>(items: readonly T[], n: number): T[] => Array.from({ length: n }, () => pick(items));
const guid = () => randomUUID();

const GROUPS = Array.from({ length: 500 }, guid);
const APPS = Array.from({ length: 60 }, guid);
const USERS = Array.from({ length: 2000 }, guid);
const ROLES = ['62e90394-69f5-4237-9190-012177145e10', '3a2c62db-5318-420d-8d74-23affee5d9d5', '194ae4cb-b126-40b2-bd5b-6091b380977d', 'f28a1f50-f6e7-4571-818b-6a12f2af6b6c'];
const BREAK_GLASS = [guid(), guid()];
const PLATFORMS = ['windows', 'iOS', 'android', 'macOS', 'linux'] as const;
const CLIENTS = ['browser', 'browser', 'mobileAppsAndDesktopClients', 'mobileAppsAndDesktopClients', 'exchangeActiveSync', 'other'] as const;

const at = '2025-01-01T00:00:00.000Z';
const locations: NamedLocation[] = [
  ...Array.from({ length: 20 }, (_, i) => ({
    ...validateNamedLocation({
      '@odata.type': '#microsoft.graph.ipNamedLocation',
      displayName: `Office ${i}`,
      isTrusted: i < 10,
      ipRanges: Array.from({ length: 10 }, (_, j) => ({ cidrAddress: j % 3 === 2 ? `2001:db8:${i}:${j}::/64` : `10.${i}.${j * 8}.0/21` })),
    }),
    id: guid(),
    createdDateTime: at,
    modifiedDateTime: null,
  })),
  ...Array.from({ length: 5 }, (_, i) => ({
    ...validateNamedLocation({ '@odata.type': '#microsoft.graph.countryNamedLocation', displayName: `Countries ${i}`, countriesAndRegions: some(['KP', 'IR', 'SY', 'CU', 'RU', 'BY', 'VE'], 3), includeUnknownCountriesAndRegions: i === 0 }),
    id: guid(),
    createdDateTime: at,
    modifiedDateTime: null,
  })),
];
const ipLocations = locations.filter((l) => l['@odata.type'] === '#microsoft.graph.ipNamedLocation').map((l) => l.id);
const countryLocations = locations.filter((l) => l['@odata.type'] === '#microsoft.graph.countryNamedLocation').map((l) => l.id);

const FILTERS = [
  'device.trustType -ne "AzureAD" -and device.trustType -ne "ServerAD"',
  'device.physicalIds -contains "[OrderID]:Kiosk"',
  'device.extensionAttribute1 -eq "PAW" -or device.model -startsWith "Surface Laptop"',
  'device.operatingSystem -eq "Windows" -and device.operatingSystemVersion -startsWith "10.0.2"',
  'device.isCompliant -ne True -and device.deviceOwnership -eq "Personal"',
  'device.manufacturer -in ["Dell Inc.", "HP", "LENOVO"] -and device.enrollmentProfileName -ne "Shared"',
  'device.systemLabels -contains "M365Managed"',
];

function realisticPolicy(i: number): ConditionalAccessPolicy {
  const kind = i % 20;
  const state = kind === 19 ? 'disabled' : kind >= 17 ? 'enabledForReportingButNotEnforced' : 'enabled';
  const users: Record<string, unknown> =
    kind % 4 === 0
      ? { includeUsers: ['All'], excludeUsers: BREAK_GLASS, excludeGroups: some(GROUPS, 2) }
      : kind % 4 === 1
        ? { includeRoles: some(ROLES, 2), excludeUsers: BREAK_GLASS }
        : { includeGroups: some(GROUPS, 3), excludeGroups: some(GROUPS, 1) };
  const applications = { includeApplications: kind % 5 === 0 ? ['All'] : some(APPS, 1 + (i % 3)), excludeApplications: kind % 5 === 0 ? some(APPS, 2) : [] };
  const conditions: Record<string, unknown> = { users, applications };
  let grantControls: Record<string, unknown> = { operator: 'OR', builtInControls: ['mfa'] };
  switch (kind % 8) {
    case 0:
      conditions.clientAppTypes = ['exchangeActiveSync', 'other'];
      grantControls = { operator: 'OR', builtInControls: ['block'] };
      break;
    case 1:
      conditions.locations = { includeLocations: ['All'], excludeLocations: ['AllTrusted'] };
      break;
    case 2:
      grantControls = { operator: 'OR', builtInControls: ['compliantDevice', 'domainJoinedDevice'] };
      conditions.platforms = { includePlatforms: ['windows', 'macOS'] };
      break;
    case 3:
      conditions.devices = { deviceFilter: { mode: i % 2 ? 'include' : 'exclude', rule: FILTERS[i % FILTERS.length] } };
      grantControls = { operator: 'AND', builtInControls: ['mfa', 'compliantDevice'] };
      break;
    case 4:
      conditions.locations = { includeLocations: [pick(countryLocations)] };
      grantControls = { operator: 'OR', builtInControls: ['block'] };
      break;
    case 5:
      conditions.signInRiskLevels = ['high', 'medium'];
      break;
    case 6:
      conditions.platforms = { includePlatforms: ['all'], excludePlatforms: ['windows', 'macOS'] };
      grantControls = { operator: 'OR', builtInControls: ['approvedApplication', 'compliantApplication'] };
      break;
    default:
      conditions.devices = { deviceFilter: { mode: 'exclude', rule: FILTERS[(i + 3) % FILTERS.length] } };
      conditions.locations = { includeLocations: some(ipLocations, 2) };
      grantControls = { operator: 'OR', builtInControls: ['compliantDevice'] };
  }
  return { ...validatePolicy({ displayName: `CA${String(i).padStart(3, '0')}`, state, conditions, grantControls }), id: guid(), createdDateTime: at, modifiedDateTime: null };
}

const policies = Array.from({ length: policyCount }, (_, i) => realisticPolicy(i));
const compiled = compilePolicies(policies);
const compiledLocations = compileNamedLocations(locations);

function device(): ConditionalAccessDevice | null {
  if (rand() < 0.25) return null;
  return {
    deviceId: guid(),
    displayName: `PC-${Math.floor(rand() * 9999)}`,
    trustType: pick(['AzureAD', 'AzureAD', 'ServerAD', 'Workplace']),
    isCompliant: rand() < 0.7,
    operatingSystem: 'Windows',
    operatingSystemVersion: pick(['10.0.22631.4460', '10.0.19045.5131', '10.0.26100.2314']),
    manufacturer: pick(['Dell Inc.', 'HP', 'LENOVO', 'Microsoft Corporation']),
    model: pick(['Latitude 7440', 'EliteBook 840', 'Surface Laptop 5']),
    deviceOwnership: pick(['Company', 'Personal']),
    physicalIds: [`[ZTDID]:${guid()}`, `[OrderID]:${pick(['Sales', 'Kiosk', 'Engineering'])}`],
    mdmAppId: rand() < 0.8 ? '0000000a-0000-0000-c000-000000000000' : null,
    extensionAttribute1: rand() < 0.1 ? 'PAW' : null,
  };
}

const signIns: SignIn[] = Array.from({ length: 2000 }, () => ({
  identity: { kind: 'user', userId: pick(USERS), groupIds: some(GROUPS, 30), roleTemplateIds: rand() < 0.05 ? [pick(ROLES)] : [] },
  target: { kind: 'application', appId: pick(APPS) },
  clientAppType: pick(CLIENTS),
  devicePlatform: pick(PLATFORMS),
  ipAddress: rand() < 0.5 ? `10.${Math.floor(rand() * 30)}.${Math.floor(rand() * 80)}.${Math.floor(rand() * 255)}` : rand() < 0.5 ? `2001:db8:${Math.floor(rand() * 25)}:${Math.floor(rand() * 12)}::7` : `198.51.100.${Math.floor(rand() * 255)}`,
  country: pick(['FR', 'US', 'DE', 'KP', 'GB', 'IN']),
  device: device(),
  signInRiskLevel: pick(['none', 'none', 'none', 'low', 'medium', 'high']),
  satisfied: { mfa: rand() < 0.5 },
}));

interface Figure {
  p50: number;
  p99: number;
  perSecond: number;
}

/** µs per call, timed one call at a time over `n` calls cycling through the contexts. */
function measure(n: number, fn: (i: number) => unknown): Figure {
  for (let i = 0; i < Math.min(n, 20_000); i++) fn(i); // warm-up
  const times = new Float64Array(n);
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn(i);
    times[i] = performance.now() - t0;
  }
  const total = performance.now() - started;
  times.sort();
  return { p50: times[Math.floor(n / 2)]! * 1000, p99: times[Math.floor(n * 0.99)]! * 1000, perSecond: n / (total / 1000) };
}

/** The baseline's share of the work: state plus user include/exclude checks, nothing else. */
function stateAndUsersOnly(ps: readonly CompiledPolicy[], s: SignIn): number {
  if (s.identity.kind !== 'user') return 0;
  const user = s.identity.userId.toLowerCase();
  const groups = new Set<string>();
  for (const g of s.identity.groupIds ?? []) groups.add(g.toLowerCase());
  const roles = new Set<string>();
  for (const r of s.identity.roleTemplateIds ?? []) roles.add(r.toLowerCase());
  let applicable = 0;
  for (const p of ps) {
    if (p.state === 'disabled' || !p.users) continue;
    const u = p.users;
    if (u.excludeUsers.has(user) || u.excludeGroups.some((g) => groups.has(g)) || u.excludeRoles.some((r) => roles.has(r))) continue;
    if (u.includeAll || u.includeUsers.has(user) || u.includeGroups.some((g) => groups.has(g)) || u.includeRoles.some((r) => roles.has(r))) applicable++;
  }
  return applicable;
}

const filterRules: RuleNode[] = Array.from({ length: policyCount }, (_, i) => parseRule(FILTERS[i % FILTERS.length]!, { dialect: 'deviceFilter' }));
const deviceSubjects = signIns.map((s) => (s.device ?? {}) as Record<string, unknown>);

const decisions = { allow: 0, block: 0, needsControls: 0 };
for (const s of signIns) decisions[evaluateConditionalAccess(compiled, compiledLocations, s).decision]++;

const evaluator = measure(evaluations, (i) => evaluateConditionalAccess(compiled, compiledLocations, signIns[i % signIns.length]!));
const whatIf = measure(Math.floor(evaluations / 4), (i) => evaluateConditionalAccess(compiled, compiledLocations, signIns[i % signIns.length]!, { allReasons: true }));
const usersOnly = measure(evaluations, (i) => stateAndUsersOnly(compiled, signIns[i % signIns.length]!));
const filtersOnly = measure(Math.floor(evaluations / 4), (i) => {
  const subject = deviceSubjects[i % deviceSubjects.length]!;
  let hits = 0;
  for (const rule of filterRules) if (evaluateRule(rule, subject)) hits++;
  return hits;
});

// Per token issuance: read the tenant's set from SQLite and compile it (device filters cached by version).
const database = await openDatabase<IdentityDatabase>({ service: 'identity', dataDir: benchDataDir(), migrations: identityMigrations });
const store = new KyselyIdentityStore(database.db, database.dialect);
const tenantId = guid();
await store.insertTenant({ id: tenantId, domain: 'bench.baton.test', displayName: 'bench', branding: { companyName: 'bench' }, signingKey: '-', deviceCaCertPem: '-', deviceCaKey: '-', createdAt: at, modifiedAt: at });
for (const p of policies) {
  const { id, createdDateTime, modifiedDateTime, ...body } = p;
  await store.insertConditionalAccess('policies', { id, tenantId, displayName: body.displayName, kind: body.state, body, createdAt: createdDateTime, modifiedAt: modifiedDateTime });
}
for (const l of locations) {
  const { id, createdDateTime, modifiedDateTime, ...body } = l;
  await store.insertConditionalAccess('namedLocations', { id, tenantId, displayName: body.displayName, kind: body['@odata.type'], body, createdAt: createdDateTime, modifiedAt: modifiedDateTime });
}
const loads: number[] = [];
for (let i = 0; i < 300; i++) {
  const t0 = performance.now();
  await loadConditionalAccess(store, tenantId);
  loads.push(performance.now() - t0);
}
loads.sort((a, b) => a - b);
const cache = new ConditionalAccessCache(store);
const cached: number[] = [];
for (let i = 0; i < 300; i++) {
  const t0 = performance.now();
  await cache.get(tenantId);
  cached.push(performance.now() - t0);
}
cached.sort((a, b) => a - b);
const pointLookups: number[] = [];
for (let i = 0; i < 300; i++) {
  const t0 = performance.now();
  await store.findConditionalAccess('policies', tenantId, policies[i % policies.length]!.id);
  pointLookups.push(performance.now() - t0);
}
pointLookups.sort((a, b) => a - b);
await database.close();

const row = (name: string, f: Figure) => console.log(`  ${name.padEnd(58)} p50 ${f.p50.toFixed(1).padStart(7)} µs  p99 ${f.p99.toFixed(1).padStart(7)} µs  ${f.perSecond.toFixed(0).padStart(9)} /s`);
console.log(`\nconditional access: ${policyCount} policies (${compiled.filter((p) => p.deviceFilter).length} with device filters), ${locations.length} named locations, ${signIns.length} sign-in contexts`);
console.log(`  decisions over the contexts: allow ${decisions.allow}, needsControls ${decisions.needsControls}, block ${decisions.block}`);
row('evaluateConditionalAccess (token endpoint mode)', evaluator);
row('evaluateConditionalAccess, what-if mode (all reasons)', whatIf);
row('baseline: state + user include/exclude checks only', usersOnly);
row(`baseline: ${policyCount} device-filter rules evaluated alone`, filtersOnly);
console.log(`  ${'loadConditionalAccess from SQLite (2 queries + compile)'.padEnd(58)} p50 ${(loads[150]! * 1000).toFixed(0).padStart(7)} µs  p99 ${(loads[296]! * 1000).toFixed(0).padStart(7)} µs`);
console.log(`  ${'cache.get, unchanged tenant (version check only)'.padEnd(58)} p50 ${(cached[150]! * 1000).toFixed(0).padStart(7)} µs  p99 ${(cached[296]! * 1000).toFixed(0).padStart(7)} µs`);
console.log(`  ${'baseline: one policy point lookup from SQLite'.padEnd(58)} p50 ${(pointLookups[150]! * 1000).toFixed(0).padStart(7)} µs  p99 ${(pointLookups[296]! * 1000).toFixed(0).padStart(7)} µs`);
