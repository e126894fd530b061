import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileNamedLocations, compilePolicies } from './compile.js';
import { evaluateConditionalAccess } from './evaluate.js';
import type { ConditionalAccessPolicy, NamedLocation, SignIn } from './types.js';
import { validateNamedLocation } from './validate-location.js';
import { validatePolicy } from './validate-policy.js';

const ALICE = '11111111-1111-4111-8111-111111111111';
const BREAK_GLASS = '22222222-2222-4222-8222-222222222222';
const CONTRACTORS = '44444444-4444-4444-8444-444444444444';
const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';
const PAYROLL = '55555555-5555-4555-8555-555555555555';
const OTHER_APP = '66666666-6666-4666-8666-666666666666';
const OFFICE = '77777777-7777-4777-8777-777777777777';
const BLOCKED_COUNTRIES = '88888888-8888-4888-8888-888888888888';

let seq = 0;
function policy(body: Record<string, unknown>): ConditionalAccessPolicy {
  seq += 1;
  const id = `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`;
  return { ...validatePolicy({ displayName: `p${seq}`, state: 'enabled', ...body }), id, createdDateTime: '2025-01-01T00:00:00Z', modifiedDateTime: null };
}

function location(id: string, body: Record<string, unknown>): NamedLocation {
  return { ...validateNamedLocation(body), id, createdDateTime: '2025-01-01T00:00:00Z', modifiedDateTime: null };
}

const allUsersAllApps = (extra: Record<string, unknown> = {}) => ({
  users: { includeUsers: ['All'], ...((extra.users as object) ?? {}) },
  applications: { includeApplications: ['All'], ...((extra.applications as object) ?? {}) },
  ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'users' && k !== 'applications')),
});

const LOCATIONS = compileNamedLocations([
  location(OFFICE, { '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: 'HQ', isTrusted: true, ipRanges: [{ cidrAddress: '203.0.113.0/24' }, { cidrAddress: '2001:db8:1::/48' }] }),
  location(BLOCKED_COUNTRIES, { '@odata.type': '#microsoft.graph.countryNamedLocation', displayName: 'Blocked', countriesAndRegions: ['KP', 'IR'], includeUnknownCountriesAndRegions: true }),
]);

function signIn(overrides: Partial<SignIn> = {}): SignIn {
  return {
    identity: { kind: 'user', userId: ALICE, groupIds: [], roleTemplateIds: [] },
    target: { kind: 'application', appId: PAYROLL },
    clientAppType: 'browser',
    devicePlatform: 'windows',
    ipAddress: '198.51.100.7',
    country: 'FR',
    device: null,
    ...overrides,
  };
}

const run = (policies: ConditionalAccessPolicy[], s: SignIn, allReasons = false) =>
  evaluateConditionalAccess(compilePolicies(policies), LOCATIONS, s, { allReasons });

test('no policy: allowed', () => {
  assert.equal(run([], signIn()).decision, 'allow');
});

test('block wins over any grant, and only enabled policies enforce', () => {
  const mfa = policy({ conditions: allUsersAllApps(), grantControls: { operator: 'OR', builtInControls: ['mfa'] } });
  const block = policy({ conditions: allUsersAllApps({ clientAppTypes: ['exchangeActiveSync', 'other'] }), grantControls: { operator: 'OR', builtInControls: ['block'] } });
  const legacy = run([mfa, block], signIn({ clientAppType: 'other', satisfied: { mfa: true } }));
  assert.equal(legacy.decision, 'block');
  assert.deepEqual(legacy.blockedBy, [block.id]);
  const modern = run([mfa, block], signIn({ satisfied: { mfa: true } }));
  assert.equal(modern.decision, 'allow');
  assert.deepEqual(modern.policies.map((p) => p.result), ['success', 'notApplied']);
  assert.deepEqual(modern.policies[1]!.analysisReasons, ['clientApps']);
  // `easSupported` is matched by an Exchange ActiveSync client too.
  const eas = policy({ conditions: allUsersAllApps({ clientAppTypes: ['easSupported'] }), grantControls: { operator: 'OR', builtInControls: ['block'] } });
  assert.equal(run([eas], signIn({ clientAppType: 'exchangeActiveSync' })).decision, 'block');
});

test('grants are ANDed across policies; AND needs every control, OR any one', () => {
  const and = policy({ conditions: allUsersAllApps(), grantControls: { operator: 'AND', builtInControls: ['compliantDevice', 'mfa'] } });
  const or = policy({ conditions: allUsersAllApps(), grantControls: { operator: 'OR', builtInControls: ['compliantDevice', 'domainJoinedDevice'] } });
  const none = run([and, or], signIn());
  assert.equal(none.decision, 'needsControls');
  // Prompt order, not the order the policy lists them.
  assert.deepEqual(none.unmetControls, ['mfa', 'compliantDevice', 'domainJoinedDevice']);
  assert.deepEqual(none.requirements, [
    { policyId: and.id, operator: 'AND', controls: ['mfa', 'compliantDevice'] },
    { policyId: or.id, operator: 'OR', controls: ['compliantDevice', 'domainJoinedDevice'] },
  ]);
  const hybrid = signIn({ device: { deviceId: 'd', trustType: 'ServerAD', isCompliant: false }, satisfied: { mfa: true } });
  const r = run([and, or], hybrid);
  assert.equal(r.decision, 'needsControls', 'OR met by the hybrid join, AND still lacks compliance');
  assert.deepEqual(r.unmetControls, ['compliantDevice']);
  assert.deepEqual(r.policies.map((p) => p.result), ['failure', 'success']);
  const compliant = run([and, or], signIn({ device: { deviceId: 'd', isCompliant: true, trustType: 'AzureAD' }, satisfied: { mfa: true } }));
  assert.equal(compliant.decision, 'allow');
});

test('exclusions beat inclusions: users, groups, roles, guests', () => {
  const p = policy({
    conditions: allUsersAllApps({ users: { includeUsers: ['All'], excludeUsers: [BREAK_GLASS], excludeGroups: [CONTRACTORS] } }),
    grantControls: { operator: 'OR', builtInControls: ['block'] },
  });
  assert.equal(run([p], signIn()).decision, 'block');
  assert.equal(run([p], signIn({ identity: { kind: 'user', userId: BREAK_GLASS } })).decision, 'allow');
  assert.equal(run([p], signIn({ identity: { kind: 'user', userId: ALICE, groupIds: [CONTRACTORS.toUpperCase()] } })).decision, 'allow');

  const admins = policy({ conditions: allUsersAllApps({ users: { includeUsers: [], includeRoles: [GLOBAL_ADMIN], excludeUsers: [BREAK_GLASS] } }), grantControls: { operator: 'OR', builtInControls: ['mfa'] } });
  assert.equal(run([admins], signIn()).decision, 'allow');
  assert.equal(run([admins], signIn({ identity: { kind: 'user', userId: ALICE, roleTemplateIds: [GLOBAL_ADMIN] } })).decision, 'needsControls');
  assert.equal(run([admins], signIn({ identity: { kind: 'user', userId: BREAK_GLASS, roleTemplateIds: [GLOBAL_ADMIN] } })).decision, 'allow');

  const guests = policy({
    conditions: allUsersAllApps({ users: { includeUsers: [], includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bCollaborationGuest,internalGuest', externalTenants: { membershipKind: 'all' } } } }),
    grantControls: { operator: 'OR', builtInControls: ['mfa'] },
  });
  assert.equal(run([guests], signIn()).decision, 'allow', 'members are not guests');
  assert.equal(run([guests], signIn({ identity: { kind: 'user', userId: ALICE, guestOrExternalUserType: 'b2bCollaborationGuest' } })).decision, 'needsControls');
  assert.equal(run([guests], signIn({ identity: { kind: 'user', userId: ALICE, guestOrExternalUserType: 'serviceProvider' } })).decision, 'allow');
  const allButGuests = policy({ conditions: allUsersAllApps({ users: { includeUsers: ['All'], excludeUsers: ['GuestsOrExternalUsers'] } }), grantControls: { operator: 'OR', builtInControls: ['block'] } });
  assert.equal(run([allButGuests], signIn({ identity: { kind: 'user', userId: ALICE, guestOrExternalUserType: 'otherExternalUser' } })).decision, 'allow');
});

test('report-only policies are reported, never enforced; disabled ones never apply', () => {
  const reportBlock = policy({ state: 'enabledForReportingButNotEnforced', conditions: allUsersAllApps(), grantControls: { operator: 'OR', builtInControls: ['block'] } });
  const reportMfa = policy({ state: 'enabledForReportingButNotEnforced', conditions: allUsersAllApps({ platforms: { includePlatforms: ['android'] } }), grantControls: { operator: 'OR', builtInControls: ['mfa'] } });
  const disabled = policy({ state: 'disabled', conditions: allUsersAllApps(), grantControls: { operator: 'OR', builtInControls: ['block'] } });
  const r = run([reportBlock, reportMfa, disabled], signIn());
  assert.equal(r.decision, 'allow');
  assert.deepEqual(r.policies.map((p) => p.result), ['reportOnlyFailure', 'reportOnlyNotApplied', 'notEnabled']);
  assert.deepEqual(r.policies[2]!.analysisReasons, ['policyNotEnabled']);
  const reportOk = policy({ state: 'enabledForReportingButNotEnforced', conditions: allUsersAllApps(), grantControls: { operator: 'OR', builtInControls: ['mfa'] } });
  assert.equal(run([reportOk], signIn({ satisfied: { mfa: true } })).policies[0]!.result, 'reportOnlySuccess');
});

test('device filters: unregistered devices fail positive operators and pass negative ones', () => {
  const requireCompliantUnlessKiosk = policy({
    conditions: allUsersAllApps({ devices: { deviceFilter: { mode: 'exclude', rule: 'device.extensionAttribute1 -eq "kiosk" -or device.physicalIds -contains "[OrderID]:Kiosk"' } } }),
    grantControls: { operator: 'OR', builtInControls: ['compliantDevice'] },
  });
  const onlyCorporate = policy({
    conditions: allUsersAllApps({ devices: { deviceFilter: { mode: 'include', rule: 'device.trustType -ne "AzureAD" -and device.trustType -ne "ServerAD"' } } }),
    grantControls: { operator: 'OR', builtInControls: ['block'] },
  });
  // Unregistered: the exclude filter (positive operators) does not match, so compliance is required;
  // the include filter (negative operators) matches, so the block applies.
  const unregistered = run([requireCompliantUnlessKiosk, onlyCorporate], signIn({ device: null }));
  assert.equal(unregistered.decision, 'block');
  const kiosk = run([requireCompliantUnlessKiosk], signIn({ device: { deviceId: 'k', trustType: 'AzureAD', physicalIds: ['[ZTDID]:x', '[OrderID]:Kiosk'] } }));
  assert.equal(kiosk.decision, 'allow');
  assert.deepEqual(kiosk.policies[0]!.analysisReasons, ['devices']);
  // Whole-element match: a physicalId that merely contains the text is not a hit.
  const partial = run([requireCompliantUnlessKiosk], signIn({ device: { deviceId: 'k', trustType: 'AzureAD', physicalIds: ['[OrderID]:Kiosk-2'] } }));
  assert.equal(partial.decision, 'needsControls');
  // Extension attributes of an unmanaged device read as unset.
  const unmanaged = run([requireCompliantUnlessKiosk], signIn({ device: { deviceId: 'k', trustType: 'Workplace', extensionAttribute1: 'kiosk' } }));
  assert.equal(unmanaged.decision, 'needsControls');
  const managed = run([requireCompliantUnlessKiosk], signIn({ device: { deviceId: 'k', trustType: 'Workplace', mdmAppId: '0000000a-0000-0000-c000-000000000000', extensionAttribute1: 'KIOSK' } }));
  assert.equal(managed.decision, 'allow');
  assert.equal(run([onlyCorporate], signIn({ device: { deviceId: 'c', trustType: 'AzureAD' } })).decision, 'allow');
});

test('locations: IPv4 and IPv6 ranges, AllTrusted, countries and unknown countries', () => {
  const outsideTrusted = policy({ conditions: allUsersAllApps({ locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } }), grantControls: { operator: 'OR', builtInControls: ['mfa'] } });
  const blockedCountries = policy({ conditions: allUsersAllApps({ locations: { includeLocations: [BLOCKED_COUNTRIES] } }), grantControls: { operator: 'OR', builtInControls: ['block'] } });
  const ps = [outsideTrusted, blockedCountries];
  assert.equal(run(ps, signIn({ ipAddress: '203.0.113.200' })).decision, 'allow');
  assert.equal(run(ps, signIn({ ipAddress: '::ffff:203.0.113.9' })).decision, 'allow', 'IPv4-mapped IPv6');
  assert.equal(run(ps, signIn({ ipAddress: '2001:db8:1:ffff::1' })).decision, 'allow');
  assert.equal(run(ps, signIn({ ipAddress: '2001:db8:2::1' })).decision, 'needsControls');
  assert.equal(run(ps, signIn({ ipAddress: '203.0.114.1' })).decision, 'needsControls');
  assert.equal(run(ps, signIn({ country: 'kp' })).decision, 'block');
  assert.equal(run(ps, signIn({ country: null })).decision, 'block', 'unknown country is included');
  const explicit = run([blockedCountries], signIn({ country: 'FR' }), true);
  assert.deepEqual(explicit.policies[0]!.analysisReasons, ['location']);
});

test('targets: applications with exclusions, user actions, auth contexts are separate', () => {
  const payroll = policy({ conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: [PAYROLL] } }, grantControls: { operator: 'OR', builtInControls: ['compliantDevice'] } });
  const allButPayroll = policy({ conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'], excludeApplications: [PAYROLL] } }, grantControls: { operator: 'OR', builtInControls: ['block'] } });
  const registerDevice = policy({ conditions: { users: { includeUsers: ['All'] }, applications: { includeUserActions: ['urn:user:registerdevice'] } }, grantControls: { operator: 'OR', builtInControls: ['mfa'] } });
  const ps = [payroll, allButPayroll, registerDevice];
  assert.deepEqual(run(ps, signIn()).unmetControls, ['compliantDevice']);
  assert.equal(run(ps, signIn({ target: { kind: 'application', appId: OTHER_APP } })).decision, 'block');
  const join = run(ps, signIn({ target: { kind: 'userAction', userAction: 'urn:user:registerdevice' } }), true);
  assert.deepEqual(join.unmetControls, ['mfa']);
  assert.deepEqual(join.policies.map((p) => p.analysisReasons), [['userActions'], ['userActions'], []]);
  const ctx = policy({ conditions: { users: { includeUsers: ['All'] }, applications: { includeAuthenticationContextClassReferences: ['c1'] } }, grantControls: { operator: 'OR', builtInControls: ['mfa'] } });
  assert.equal(run([ctx], signIn()).decision, 'allow');
  assert.equal(run([ctx], signIn({ target: { kind: 'authenticationContext', value: 'C1' } })).decision, 'needsControls');
});

test('platforms, risk and authentication flows; unconfigured conditions match', () => {
  const mobile = policy({ conditions: allUsersAllApps({ platforms: { includePlatforms: ['all'], excludePlatforms: ['windows', 'macOS'] } }), grantControls: { operator: 'OR', builtInControls: ['approvedApplication', 'compliantApplication'] } });
  assert.equal(run([mobile], signIn()).decision, 'allow');
  assert.deepEqual(run([mobile], signIn({ devicePlatform: 'iOS' })).unmetControls, ['approvedApplication', 'compliantApplication']);
  assert.equal(run([mobile], signIn({ devicePlatform: null })).decision, 'needsControls', 'an unknown platform is in "all"');
  const risky = policy({ conditions: allUsersAllApps({ signInRiskLevels: ['high', 'medium'] }), grantControls: { operator: 'OR', builtInControls: ['mfa'] } });
  assert.equal(run([risky], signIn()).decision, 'allow');
  assert.equal(run([risky], signIn({ signInRiskLevel: 'high' })).decision, 'needsControls');
  const userRisk = policy({ conditions: allUsersAllApps({ userRiskLevels: ['high'] }), grantControls: { operator: 'AND', builtInControls: ['mfa', 'passwordChange'] } });
  assert.deepEqual(run([userRisk], signIn({ userRiskLevel: 'high', satisfied: { mfa: true } })).unmetControls, ['passwordChange']);
  const deviceCode = policy({ conditions: allUsersAllApps({ authenticationFlows: { transferMethods: 'deviceCodeFlow' } }), grantControls: { operator: 'OR', builtInControls: ['block'] } });
  assert.equal(run([deviceCode], signIn()).decision, 'allow');
  assert.equal(run([deviceCode], signIn({ authenticationFlow: 'deviceCodeFlow' })).decision, 'block');
  const all = run([risky, deviceCode], signIn({ devicePlatform: 'android' }), true);
  assert.deepEqual(all.policies.map((p) => p.analysisReasons), [['signInRisk'], ['authenticationFlow']]);
});

test('workload identities: user policies skip service principals and the other way round', () => {
  const users = policy({ conditions: allUsersAllApps(), grantControls: { operator: 'OR', builtInControls: ['block'] } });
  const workloads = policy({
    conditions: { users: { includeUsers: ['None'] }, applications: { includeApplications: ['All'] }, clientApplications: { includeServicePrincipals: ['ServicePrincipalsInMyTenant'], excludeServicePrincipals: [OTHER_APP] } },
    grantControls: { operator: 'OR', builtInControls: ['block'] },
  });
  const sp = (id: string) => signIn({ identity: { kind: 'servicePrincipal', servicePrincipalId: id } });
  assert.equal(run([users], sp(PAYROLL)).decision, 'allow');
  assert.equal(run([workloads], sp(PAYROLL)).decision, 'block');
  assert.equal(run([workloads], sp(OTHER_APP)).decision, 'allow');
  assert.equal(run([workloads], signIn()).decision, 'allow');
});

test('authentication strength, terms of use and session-only policies', () => {
  const strength = policy({
    conditions: allUsersAllApps(),
    grantControls: { operator: 'AND', builtInControls: [], authenticationStrength: { id: '00000000-0000-0000-0000-000000000004', allowedCombinations: ['fido2', 'windowsHelloForBusiness'] } },
  });
  assert.deepEqual(run([strength], signIn({ satisfied: { mfa: true } })).unmetControls, ['authenticationStrength']);
  assert.equal(run([strength], signIn({ satisfied: { authenticationMethods: ['windowsHelloForBusiness'] } })).decision, 'allow');
  const tou = '99999999-9999-4999-8999-999999999999';
  const terms = policy({ conditions: allUsersAllApps(), grantControls: { operator: 'AND', builtInControls: ['mfa'], termsOfUse: [tou] } });
  assert.deepEqual(run([terms], signIn({ satisfied: { mfa: true } })).unmetControls, ['termsOfUse']);
  assert.equal(run([terms], signIn({ satisfied: { mfa: true, termsOfUse: [tou.toUpperCase()] } })).decision, 'allow');
  const session = policy({ conditions: allUsersAllApps(), sessionControls: { signInFrequency: { isEnabled: true, type: 'hours', value: 4 } } });
  const r = run([session], signIn());
  assert.equal(r.decision, 'allow');
  assert.equal(r.policies[0]!.result, 'success');
});

test('sign-in frequency: the strictest of the enabled policies that apply; report-only and non-matching ones do not count', () => {
  const every = (type: 'hours' | 'days', value: number, extra: Record<string, unknown> = {}) =>
    policy({ conditions: allUsersAllApps(), sessionControls: { signInFrequency: { isEnabled: true, type, value } }, ...extra });
  const fourHours = every('hours', 4);
  const oneDay = every('days', 1);
  const oneHourReportOnly = every('hours', 1, { state: 'enabledForReportingButNotEnforced' });
  const oneHourOtherApp = policy({
    conditions: allUsersAllApps({ applications: { includeApplications: [OTHER_APP] } }),
    sessionControls: { signInFrequency: { isEnabled: true, type: 'hours', value: 1 } },
  });
  const disabledControl = policy({ conditions: allUsersAllApps(), sessionControls: { signInFrequency: { isEnabled: false, type: 'hours', value: 1 } } });
  const r = run([oneDay, fourHours, oneHourReportOnly, oneHourOtherApp, disabledControl], signIn());
  assert.equal(r.decision, 'allow');
  assert.deepEqual(r.signInFrequency, { seconds: 4 * 3600, policyIds: [fourHours.id] });
  assert.deepEqual(
    r.policies.map((p) => p.enforcedSessionControls),
    [['SignInFrequency'], ['SignInFrequency'], ['SignInFrequency'], [], []],
  );
  assert.equal(run([oneDay], signIn()).signInFrequency?.seconds, 86_400);
  const everyTime = policy({ conditions: allUsersAllApps(), sessionControls: { signInFrequency: { isEnabled: true, frequencyInterval: 'everyTime' } } });
  assert.deepEqual(run([oneDay, everyTime], signIn()).signInFrequency, { seconds: 0, policyIds: [everyTime.id] });
  assert.equal(run([oneHourReportOnly, disabledControl], signIn()).signInFrequency, undefined);
});
