import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConditionalAccessValidationError } from './errors.js';
import { parseCidr, parseIp } from './ip-ranges.js';
import { validateNamedLocation } from './validate-location.js';
import { mergePatch, validatePolicy } from './validate-policy.js';

const minimal = {
  displayName: 'Require MFA',
  state: 'enabled',
  conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] } },
  grantControls: { operator: 'OR', builtInControls: ['mfa'] },
};

function refused(input: unknown, code: string, path: string, message?: RegExp) {
  assert.throws(
    () => validatePolicy(input),
    (error: unknown) => {
      assert.ok(error instanceof ConditionalAccessValidationError, String(error));
      assert.equal(error.code, code, error.message);
      assert.equal(error.path, path, error.message);
      if (message) assert.match(error.message, message);
      return true;
    },
  );
}

const withConditions = (conditions: Record<string, unknown>) => ({ ...minimal, conditions: { ...minimal.conditions, ...conditions } });

test('a minimal POST body is normalized to the full Graph shape', () => {
  const p = validatePolicy(minimal);
  assert.deepEqual(p, {
    displayName: 'Require MFA',
    description: null,
    templateId: null,
    state: 'enabled',
    conditions: {
      applications: { includeApplications: ['All'], excludeApplications: [], includeUserActions: [], includeAuthenticationContextClassReferences: [], applicationFilter: null },
      users: {
        includeUsers: ['All'],
        excludeUsers: [],
        includeGroups: [],
        excludeGroups: [],
        includeRoles: [],
        excludeRoles: [],
        includeGuestsOrExternalUsers: null,
        excludeGuestsOrExternalUsers: null,
      },
      clientApplications: null,
      clientAppTypes: [],
      platforms: null,
      locations: null,
      devices: null,
      signInRiskLevels: [],
      userRiskLevels: [],
      servicePrincipalRiskLevels: [],
      insiderRiskLevels: null,
      authenticationFlows: null,
    },
    grantControls: { operator: 'OR', builtInControls: ['mfa'], customAuthenticationFactors: [], termsOfUse: [], authenticationStrength: null },
    sessionControls: null,
  });
  // Normalizing is idempotent: the stored body validates to itself.
  assert.deepEqual(validatePolicy(p), p);
});

test('Graph export extras are accepted: annotations, id, timestamps, enum case, GUID case', () => {
  const p = validatePolicy({
    '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies/$entity',
    id: 'f6a3a2c8-0000-4000-8000-000000000000',
    createdDateTime: '2024-01-01T00:00:00Z',
    modifiedDateTime: null,
    ...minimal,
    state: 'ENABLEDFORREPORTINGBUTNOTENFORCED',
    conditions: { ...minimal.conditions, users: { includeUsers: ['all'], excludeUsers: ['AB1E5C11-2F3A-4B5C-9D8E-7F6A5B4C3D2E'] } },
    grantControls: { 'authenticationStrength@odata.context': 'x', operator: 'OR', builtInControls: ['MFA'] },
  });
  assert.equal(p.state, 'enabledForReportingButNotEnforced');
  assert.deepEqual(p.conditions.users?.includeUsers, ['All']);
  assert.deepEqual(p.conditions.users?.excludeUsers, ['ab1e5c11-2f3a-4b5c-9d8e-7f6a5b4c3d2e']);
  assert.deepEqual(p.grantControls?.builtInControls, ['mfa']);
  assert.ok(!('id' in p) && !('@odata.context' in p));
});

test('refusals name the property path', () => {
  refused({ ...minimal, state: 'on' }, 'ca.enum', 'state', /enabled, disabled/);
  refused({ ...minimal, displayName: 5 }, 'ca.type', 'displayName');
  refused({ ...minimal, displayName: undefined }, 'ca.required', 'displayName');
  refused({ ...minimal, conditions: null }, 'ca.required', 'conditions');
  refused([minimal], 'ca.type', '');
  refused({ ...minimal, colour: 'red' }, 'ca.unknownProperty', 'colour');
  refused(withConditions({ clientAppTypes: ['browser', 'fax'] }), 'ca.enum', 'conditions.clientAppTypes[1]');
  refused(withConditions({ users: { includeUsers: ['All', 'bob'] } }), 'ca.value', 'conditions.users.includeUsers[1]', /not an object id/);
  refused(withConditions({ users: { includeUsers: 'All' } }), 'ca.type', 'conditions.users.includeUsers');
  refused(withConditions({ users: { includeUsers: [] } }), 'ca.required', 'conditions.users.includeUsers');
  refused(withConditions({ applications: {} }), 'ca.required', 'conditions.applications.includeApplications');
  refused(withConditions({ applications: { includeApplications: ['All'], includeUserActions: ['urn:user:registerdevice'] } }), 'ca.value', 'conditions.applications');
  refused(withConditions({ applications: { includeUserActions: ['urn:user:deleteeverything'] } }), 'ca.enum', 'conditions.applications.includeUserActions[0]');
  refused(withConditions({ platforms: { includePlatforms: ['windows', 'amiga'] } }), 'ca.enum', 'conditions.platforms.includePlatforms[1]');
  refused(withConditions({ signInRiskLevels: ['extreme'] }), 'ca.enum', 'conditions.signInRiskLevels[0]');
  refused(withConditions({ authenticationFlows: { transferMethods: 'deviceCodeFlow,carrierPigeon' } }), 'ca.enum', 'conditions.authenticationFlows.transferMethods');
  refused(withConditions({ locations: { includeLocations: ['Everywhere'] } }), 'ca.value', 'conditions.locations.includeLocations[0]');
  refused({ ...minimal, grantControls: { operator: 'XOR', builtInControls: ['mfa'] } }, 'ca.enum', 'grantControls.operator');
  refused({ ...minimal, grantControls: { operator: 'OR', builtInControls: ['block', 'mfa'] } }, 'ca.value', 'grantControls.builtInControls');
  refused({ ...minimal, grantControls: { operator: 'OR', builtInControls: [] } }, 'ca.required', 'grantControls.builtInControls');
  refused({ ...minimal, grantControls: null }, 'ca.required', 'grantControls');
  refused({ ...minimal, sessionControls: [] }, 'ca.type', 'sessionControls');
  refused(withConditions({ users: { includeUsers: Array.from({ length: 2001 }, () => 'All') } }), 'ca.tooLarge', 'conditions.users.includeUsers');
});

test('device filters: parse errors carry the rule position, and the 3,072-character limit holds', () => {
  const bad = 'device.trustType -eq "AzureAD" -and device.model -startswith'; // missing value
  assert.throws(
    () => validatePolicy(withConditions({ devices: { deviceFilter: { mode: 'include', rule: bad } } })),
    (error: unknown) => {
      assert.ok(error instanceof ConditionalAccessValidationError);
      assert.equal(error.code, 'ca.deviceFilter');
      assert.equal(error.path, 'conditions.devices.deviceFilter.rule');
      assert.equal(error.rule?.position, bad.length);
      return true;
    },
  );
  refused(withConditions({ devices: { deviceFilter: { mode: 'include', rule: 'device.department -eq "x"' } } }), 'ca.deviceFilter', 'conditions.devices.deviceFilter.rule');
  refused(withConditions({ devices: { deviceFilter: { mode: 'sometimes', rule: 'device.model -eq "x"' } } }), 'ca.enum', 'conditions.devices.deviceFilter.mode');
  const clause = ' -or device.model -eq "Surface Laptop 5"';
  const long = `device.model -eq "x"${clause.repeat(Math.ceil(3072 / clause.length))}`;
  assert.ok(long.length > 3072);
  assert.throws(
    () => validatePolicy(withConditions({ devices: { deviceFilter: { mode: 'exclude', rule: long } } })),
    (error: unknown) => error instanceof ConditionalAccessValidationError && error.code === 'ca.tooLarge' && error.rule?.position === 3072,
  );
  const ok = long.slice(0, long.lastIndexOf(' -or', 3072));
  assert.ok(ok.length <= 3072);
  assert.equal(validatePolicy(withConditions({ devices: { deviceFilter: { mode: 'exclude', rule: ok } } })).conditions.devices?.deviceFilter?.rule, ok);
});

test('PATCH merges objects and replaces lists', () => {
  const current = validatePolicy(withConditions({ users: { includeUsers: ['All'], excludeGroups: ['ab1e5c11-2f3a-4b5c-9d8e-7f6a5b4c3d2e'] } }));
  const patched = validatePolicy(mergePatch(current, { state: 'disabled', conditions: { users: { excludeUsers: ['bb1e5c11-2f3a-4b5c-9d8e-7f6a5b4c3d2e'] } } }));
  assert.equal(patched.state, 'disabled');
  assert.deepEqual(patched.conditions.users?.excludeGroups, ['ab1e5c11-2f3a-4b5c-9d8e-7f6a5b4c3d2e']);
  assert.deepEqual(patched.conditions.users?.excludeUsers, ['bb1e5c11-2f3a-4b5c-9d8e-7f6a5b4c3d2e']);
  const polluted = mergePatch(current, JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(polluted), Object.prototype);
});

test('named locations: IP ranges v4/v6 with type inferred, countries upper-cased', () => {
  const ip = validateNamedLocation({
    '@odata.type': '#microsoft.graph.ipNamedLocation',
    displayName: 'HQ',
    isTrusted: true,
    ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '12.34.221.11/22' }, { cidrAddress: '2001:0:9d38:90d6:0:0:0:0/63' }],
  });
  assert.deepEqual(ip, {
    '@odata.type': '#microsoft.graph.ipNamedLocation',
    displayName: 'HQ',
    isTrusted: true,
    ipRanges: [
      { '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '12.34.221.11/22' },
      { '@odata.type': '#microsoft.graph.iPv6CidrRange', cidrAddress: '2001:0:9d38:90d6:0:0:0:0/63' },
    ],
  });
  const country = validateNamedLocation({ '@odata.type': 'microsoft.graph.countryNamedLocation', displayName: 'EU', countriesAndRegions: ['fr', 'DE'] });
  assert.deepEqual(country, { '@odata.type': '#microsoft.graph.countryNamedLocation', displayName: 'EU', countriesAndRegions: ['FR', 'DE'], includeUnknownCountriesAndRegions: false, countryLookupMethod: 'clientIpAddress' });
  const bad = (body: unknown, path: string, kind?: string) =>
    assert.throws(() => validateNamedLocation(body, kind), (e: unknown) => e instanceof ConditionalAccessValidationError && e.path === path, path);
  bad({ displayName: 'x', ipRanges: [] }, '@odata.type');
  bad({ '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: 'x', ipRanges: [{ cidrAddress: '10.0.0.0/33' }] }, 'ipRanges[0].cidrAddress');
  bad({ '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: 'x', ipRanges: [{ cidrAddress: '10.0.0.300/8' }] }, 'ipRanges[0].cidrAddress');
  bad({ '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: 'x', ipRanges: [{ '@odata.type': '#microsoft.graph.iPv6CidrRange', cidrAddress: '10.0.0.0/8' }] }, 'ipRanges[0].@odata.type');
  bad({ '@odata.type': '#microsoft.graph.countryNamedLocation', displayName: 'x', countriesAndRegions: ['F1'] }, 'countriesAndRegions[0]');
  bad({ '@odata.type': '#microsoft.graph.countryNamedLocation', displayName: 'x', countriesAndRegions: ['FR'] }, '@odata.type', '#microsoft.graph.ipNamedLocation');
});

test('CIDR and address arithmetic', () => {
  const r = parseCidr('12.34.221.11/22');
  assert.equal(r.first, parseIp('12.34.220.0')!.value);
  assert.equal(r.last, parseIp('12.34.223.255')!.value);
  assert.equal(parseCidr('0.0.0.0/0').last, 0xffffffffn);
  const v6 = parseCidr('2001:db8::/32');
  assert.equal(v6.first, parseIp('2001:db8::')!.value);
  assert.equal(v6.last, parseIp('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff')!.value);
  assert.deepEqual(parseIp('::ffff:192.0.2.1'), parseIp('192.0.2.1'));
  assert.equal(parseIp('fe80::1%eth0')?.value, parseIp('fe80::1')?.value);
  assert.equal(parseIp('::1')?.value, 1n);
  assert.equal(parseIp('not-an-ip'), undefined);
});

test('sign-in frequency is normalized, and values Entra refuses are refused', () => {
  const withFrequency = (signInFrequency: unknown) => ({ ...minimal, sessionControls: { signInFrequency } });
  assert.deepEqual(validatePolicy(withFrequency({ isEnabled: true, type: 'hours', value: 4 })).sessionControls, {
    signInFrequency: { isEnabled: true, type: 'hours', value: 4, authenticationType: 'primaryAndSecondaryAuthentication', frequencyInterval: 'timeBased' },
  });
  assert.deepEqual(validatePolicy(withFrequency({ isEnabled: true, frequencyInterval: 'everyTime', authenticationType: 'secondaryAuthentication' })).sessionControls, {
    signInFrequency: { isEnabled: true, type: null, value: null, authenticationType: 'secondaryAuthentication', frequencyInterval: 'everyTime' },
  });
  // Other session controls are kept as posted.
  assert.deepEqual(validatePolicy({ ...minimal, sessionControls: { persistentBrowser: { isEnabled: true, mode: 'never' } } }).sessionControls, {
    persistentBrowser: { isEnabled: true, mode: 'never' },
  });
  refused(withFrequency({ isEnabled: true, type: 'hours', value: 24 }), 'ca.value', 'sessionControls.signInFrequency.value', /1 to 23/);
  refused(withFrequency({ isEnabled: true, type: 'days', value: 0 }), 'ca.value', 'sessionControls.signInFrequency.value', /1 to 365/);
  refused(withFrequency({ isEnabled: true, type: 'days', value: 1.5 }), 'ca.value', 'sessionControls.signInFrequency.value');
  refused(withFrequency({ isEnabled: true, type: 'weeks', value: 1 }), 'ca.enum', 'sessionControls.signInFrequency.type');
  refused(withFrequency({ isEnabled: true, value: 1 }), 'ca.type', 'sessionControls.signInFrequency.type');
  refused(withFrequency({ frequencyInterval: 'everyTime', type: 'hours', value: 1 }), 'ca.value', 'sessionControls.signInFrequency.type');
  refused(withFrequency({ isEnabled: 'yes', type: 'hours', value: 1 }), 'ca.type', 'sessionControls.signInFrequency.isEnabled');
  refused(withFrequency({ type: 'hours', value: 1, every: 'day' }), 'ca.unknownProperty', 'sessionControls.signInFrequency.every');
});
