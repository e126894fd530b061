/**
 * Hostile input for everything in conditional access that reads untrusted text: the policy
 * and named-location validators, the what-if request reader and device filters. They may
 * refuse, but only with the coded validation error, and what they accept is valid.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileNamedLocations, compilePolicy } from './compile.js';
import { ConditionalAccessValidationError } from './errors.js';
import { evaluateConditionalAccess } from './evaluate.js';
import type { ConditionalAccessPolicyBody, SignIn } from './types.js';
import { BUILT_IN_CONTROLS, CLIENT_APP_TYPES, DEVICE_PLATFORMS, POLICY_STATES, RISK_LEVELS } from './types.js';
import { validateNamedLocation } from './validate-location.js';
import { mergePatch, validatePolicy } from './validate-policy.js';
import { parseWhatIfRequest } from './what-if.js';

const GUIDS = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222', 'AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA'];
const guid = fc.constantFrom(...GUIDS);
const deviceFilters = [
  'device.trustType -eq "AzureAD"',
  'device.physicalIds -contains "[OrderID]:Kiosk"',
  'device.model -startsWith "Surface" -and device.isCompliant -eq True',
  'device.extensionAttribute1 -notIn ["a", "b"]',
  'device.systemLabels -notContains "M365Managed" -or device.operatingSystem -ne "Windows"',
];

/** Policies built from Graph's own vocabulary, in any combination. */
const validPolicy = fc.record(
  {
    displayName: fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0),
    state: fc.constantFrom(...POLICY_STATES),
    conditions: fc.record(
      {
        users: fc.record({ includeUsers: fc.array(fc.oneof(guid, fc.constantFrom('All', 'None', 'GuestsOrExternalUsers')), { minLength: 1, maxLength: 3 }), excludeGroups: fc.array(guid, { maxLength: 2 }) }),
        applications: fc.record({ includeApplications: fc.array(fc.oneof(guid, fc.constantFrom('All', 'Office365')), { minLength: 1, maxLength: 3 }), excludeApplications: fc.array(guid, { maxLength: 2 }) }),
        clientAppTypes: fc.array(fc.constantFrom(...CLIENT_APP_TYPES), { maxLength: 3 }),
        platforms: fc.record({ includePlatforms: fc.array(fc.constantFrom(...DEVICE_PLATFORMS), { minLength: 1, maxLength: 3 }) }),
        signInRiskLevels: fc.array(fc.constantFrom(...RISK_LEVELS), { maxLength: 3 }),
        devices: fc.record({ deviceFilter: fc.record({ mode: fc.constantFrom('include', 'exclude'), rule: fc.constantFrom(...deviceFilters) }) }),
        locations: fc.record({ includeLocations: fc.constant(['All']), excludeLocations: fc.constantFrom([], ['AllTrusted']) }),
      },
      { requiredKeys: ['users', 'applications'] },
    ),
    grantControls: fc.record({
      operator: fc.constantFrom('AND', 'OR'),
      builtInControls: fc.oneof(fc.constant(['block']), fc.array(fc.constantFrom(...BUILT_IN_CONTROLS.filter((c) => c !== 'block')), { minLength: 1, maxLength: 4 })),
    }),
  },
  { requiredKeys: ['displayName', 'state', 'conditions', 'grantControls'] },
);

function onlyCodedErrors(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (error) {
    if (!(error instanceof ConditionalAccessValidationError)) throw error;
    assert.ok(error.message.length > 0 && error.message.length < 2000, 'bounded message');
    return undefined;
  }
}

/** Accepted bodies are fixed points, compile, and evaluate without throwing. */
function checkAccepted(body: ConditionalAccessPolicyBody) {
  assert.deepEqual(validatePolicy(JSON.parse(JSON.stringify(body))), body);
  assert.ok(POLICY_STATES.includes(body.state));
  const compiled = compilePolicy({ ...body, id: GUIDS[0]!, createdDateTime: '2025-01-01T00:00:00Z', modifiedDateTime: null });
  const signIn: SignIn = { identity: { kind: 'user', userId: GUIDS[1]!, groupIds: [GUIDS[0]!] }, target: { kind: 'application', appId: GUIDS[2]! } };
  evaluateConditionalAccess([compiled], compileNamedLocations([]), signIn, { allReasons: true });
}

const jsonValue = fc.jsonValue({ maxDepth: 4 });

/** Replaces one value somewhere inside `root` (a deep copy) with `replacement`. */
function mutate(root: unknown, pick: number, replacement: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(root));
  const slots: Array<[Record<string, unknown> | unknown[], string | number]> = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        slots.push([v, i]);
        walk(x);
      });
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        slots.push([v as Record<string, unknown>, k]);
        walk(x);
      }
    }
  };
  walk(copy);
  if (slots.length === 0) return replacement;
  const [holder, key] = slots[pick % slots.length]!;
  (holder as Record<string | number, unknown>)[key] = replacement;
  return copy;
}

test('valid policies built from Graph vocabulary are accepted and are fixed points', () => {
  fc.assert(
    fc.property(validPolicy, (input) => {
      const body = onlyCodedErrors(() => validatePolicy(input)) as ConditionalAccessPolicyBody | undefined;
      // Only combinations Graph forbids may be refused (e.g. includeApplications ['None'] only is fine; nothing else here is invalid).
      assert.ok(body, 'a policy in Graph vocabulary is accepted');
      checkAccepted(body);
    }),
    { numRuns: 300 },
  );
});

test('arbitrary JSON is refused with the coded error, never another exception', () => {
  fc.assert(
    fc.property(fc.oneof(fc.anything(), jsonValue), (input) => {
      const out = onlyCodedErrors(() => validatePolicy(input));
      if (out) checkAccepted(out as ConditionalAccessPolicyBody);
      onlyCodedErrors(() => validateNamedLocation(input));
      onlyCodedErrors(() => parseWhatIfRequest(input));
    }),
    { numRuns: 1000 },
  );
});

test('a valid policy with one value replaced by hostile JSON is refused or still valid', () => {
  fc.assert(
    fc.property(validPolicy, fc.nat(), fc.oneof(jsonValue, fc.constantFrom('__proto__', 'constructor', '', 'All', 'ALL', '1'.repeat(300), -0, Number.MAX_VALUE)), (input, pick, replacement) => {
      const hostile = mutate(input, pick, replacement);
      const out = onlyCodedErrors(() => validatePolicy(hostile)) as ConditionalAccessPolicyBody | undefined;
      if (out) checkAccepted(out);
      const patched = onlyCodedErrors(() => validatePolicy(mergePatch(input, hostile))) as ConditionalAccessPolicyBody | undefined;
      if (patched) checkAccepted(patched);
    }),
    { numRuns: 500 },
  );
});

test('hostile device-filter text fails as ca.deviceFilter or ca.tooLarge with a position inside the rule', () => {
  const alphabet = fc.constantFrom('device.', 'trustType', 'physicalIds', 'model', ' -eq ', ' -contains ', ' -in ', ' -and ', ' -or ', '-not ', '(', ')', '"', '"x"', '[', ']', ',', '`', 'True', 'null', ' ');
  const rules = fc.oneof(fc.string({ maxLength: 200 }), fc.array(alphabet, { maxLength: 40 }).map((p) => p.join('')), fc.constantFrom('('.repeat(3100), 'x'.repeat(3073)));
  fc.assert(
    fc.property(rules, fc.constantFrom('include', 'exclude'), (rule, mode) => {
      const policy = {
        displayName: 'f',
        state: 'enabled',
        conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] }, devices: { deviceFilter: { mode, rule } } },
        grantControls: { operator: 'OR', builtInControls: ['block'] },
      };
      try {
        checkAccepted(validatePolicy(policy));
      } catch (error) {
        if (!(error instanceof ConditionalAccessValidationError)) throw error;
        assert.ok(['ca.deviceFilter', 'ca.tooLarge', 'ca.required'].includes(error.code), error.code);
        assert.equal(error.path, 'conditions.devices.deviceFilter.rule');
        if (error.rule) assert.ok(error.rule.position >= 0 && error.rule.position <= rule.length, `position ${error.rule.position} in ${rule.length}`);
      }
    }),
    { numRuns: 1000 },
  );
});

test('an unregistered device never matches a positive filter clause and always matches its negation', () => {
  const positive = fc.constantFrom(
    'device.trustType -eq "AzureAD"',
    'device.model -startsWith "S"',
    'device.displayName -contains "a"',
    'device.physicalIds -contains "[ZTDID]:x"',
    'device.deviceId -in ["a"]',
    'device.extensionAttribute3 -endsWith "z"',
    'device.isCompliant -eq True',
  );
  const negate: Record<string, string> = { '-eq': '-ne', '-startsWith': '-notStartsWith', '-contains': '-notContains', '-in': '-notIn', '-endsWith': '-notEndsWith' };
  fc.assert(
    fc.property(positive, (rule) => {
      const op = Object.keys(negate).find((o) => rule.includes(` ${o} `))!;
      const negative = rule.replace(` ${op} `, ` ${negate[op]} `);
      const decide = (r: string) => {
        const body = validatePolicy({
          displayName: 'f',
          state: 'enabled',
          conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] }, devices: { deviceFilter: { mode: 'include', rule: r } } },
          grantControls: { operator: 'OR', builtInControls: ['block'] },
        });
        const compiled = compilePolicy({ ...body, id: GUIDS[0]!, createdDateTime: '2025-01-01T00:00:00Z', modifiedDateTime: null });
        return evaluateConditionalAccess([compiled], compileNamedLocations([]), { identity: { kind: 'user', userId: GUIDS[1]! }, target: { kind: 'application', appId: GUIDS[2]! }, device: null }).decision;
      };
      assert.equal(decide(rule), 'allow', rule);
      assert.equal(decide(negative), 'block', negative);
    }),
  );
});
