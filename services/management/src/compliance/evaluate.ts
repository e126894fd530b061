/**
 * Compliance evaluation as a pure function: a policy and a device's latest facts in, one
 * state per configured setting out (with what the device reported and what the policy
 * expects), then the policy's state and the device's state over all its policies.
 * No I/O and no clock of its own, so it runs the same in a session, after a policy edit,
 * and in the 100,000-device benchmark.
 */
import { FACT, type DeviceFacts } from './facts.js';
import { compareVersions, gracePeriodHours, type BuildRange, type CompliancePolicy, type ComplianceSettings } from './policy.js';

/** Graph's complianceStatus values a setting or policy can take here. */
export type SettingState = 'compliant' | 'nonCompliant' | 'notApplicable' | 'error';

export interface SettingResult {
  /** Graph's property name, e.g. bitLockerEnabled. */
  settingName: string;
  state: SettingState;
  /** What the device reported (decoded), or null when it reported nothing. */
  currentValue: string | null;
  expectedValue: string;
  /** Why a setting is in error or not applicable. */
  reason?: string;
}

export interface PolicyResult {
  policyId: string;
  state: SettingState;
  settings: SettingResult[];
}

/** managedDevice.complianceState values (lower-case noncompliant, as Graph spells it there). */
export type DeviceComplianceState = 'compliant' | 'noncompliant' | 'inGracePeriod' | 'error' | 'unknown';

interface Check {
  fact: string;
  expected: string;
  /** Decodes the CSP value for display; returns whether it satisfies the setting. */
  test: (value: string) => boolean;
  show?: (value: string) => string;
}

const STATUS_NAMES: Record<string, string> = { '0': 'on', '1': 'disabled', '2': 'partial', '3': 'temporarilyOff', '4': 'notApplicable' };
const onAndMonitoring = (fact: string, expected = 'on'): Check => ({ fact, expected, test: (v) => v.trim() === '0', show: (v) => STATUS_NAMES[v.trim()] ?? v });
const isTrue = (fact: string): Check => ({ fact, expected: 'true', test: (v) => v.trim().toLowerCase() === 'true' || v.trim() === '1' });

/** Boolean settings that are required when true, and the fact that proves each. */
const BOOLEAN_CHECKS: Record<string, Check> = {
  bitLockerEnabled: { fact: FACT.encryption, expected: 'encrypted', test: (v) => v.trim() === '1', show: (v) => (v.trim() === '1' ? 'encrypted' : 'notEncrypted') },
  storageRequireEncryption: { fact: FACT.encryption, expected: 'encrypted', test: (v) => v.trim() === '1', show: (v) => (v.trim() === '1' ? 'encrypted' : 'notEncrypted') },
  secureBootEnabled: {
    fact: FACT.secureBoot,
    expected: 'enabled',
    test: (v) => v.trim() === '1',
    show: (v) => ({ '0': 'notSupported', '1': 'enabled', '2': 'disabled' })[v.trim()] ?? v,
  },
  codeIntegrityEnabled: onAndMonitoring(FACT.codeIntegrity, 'running'),
  memoryIntegrityEnabled: onAndMonitoring(FACT.codeIntegrity, 'running'),
  virtualizationBasedSecurityEnabled: onAndMonitoring(FACT.virtualizationBasedSecurity, 'running'),
  tpmRequired: { fact: FACT.tpmVersion, expected: 'a TPM', test: (v) => /^\d+(\.\d+)*$/.test(v.trim()) },
  activeFirewallRequired: onAndMonitoring(FACT.firewall),
  antivirusRequired: onAndMonitoring(FACT.antivirus),
  antiSpywareRequired: onAndMonitoring(FACT.antispyware),
  defenderEnabled: isTrue(FACT.defenderEnabled),
  rtpEnabled: isTrue(FACT.rtpEnabled),
  // Graph's name reads backwards: true requires signatures that are NOT out of date.
  signatureOutOfDate: { fact: FACT.antivirusSignature, expected: 'upToDate', test: (v) => v.trim() === '0', show: (v) => (v.trim() === '0' ? 'upToDate' : 'outOfDate') },
};

/**
 * Settings Baton accepts and stores but has no device fact for yet (DeviceLock, health
 * attestation, ELAM, DMA protection, Configuration Manager, threat protection): when
 * configured they are reported notApplicable, never silently compliant.
 */
const UNREAD_SETTINGS = new Set([
  'passwordRequired',
  'passwordBlockSimple',
  'passwordRequiredToUnlockFromIdle',
  'passwordExpirationDays',
  'passwordMinimumCharacterSetCount',
  'passwordMinimumLength',
  'passwordMinutesOfInactivityBeforeLock',
  'passwordPreviousPasswordBlockCount',
  'earlyLaunchAntiMalwareDriverEnabled',
  'requireHealthyDeviceReport',
  'configurationManagerComplianceRequired',
  'deviceThreatProtectionEnabled',
  'firmwareProtectionEnabled',
  'kernelDmaProtectionEnabled',
  'defenderVersion',
]);

/** A dotted OS version from DevDetail/SwV, or undefined when the value is not one. */
function osVersionOf(facts: DeviceFacts): string | undefined {
  const raw = facts[FACT.osVersion]?.trim();
  return raw && /^\d{1,9}(\.\d{1,9}){1,3}$/.test(raw) ? raw : undefined;
}

function configured(value: ComplianceSettings[string]): boolean {
  if (value === null || value === undefined || value === false) return false;
  if (Array.isArray(value)) return value.length > 0;
  return !(typeof value === 'string' && value === 'deviceDefault');
}

function checkOs(settings: ComplianceSettings, facts: DeviceFacts): SettingResult[] {
  const out: SettingResult[] = [];
  const os = osVersionOf(facts);
  const reported = facts[FACT.osVersion] ?? null;
  const bound = (settingName: string, expected: string, ok: (os: string) => boolean) => {
    if (os === undefined) {
      out.push({ settingName, state: 'error', currentValue: reported, expectedValue: expected, reason: 'The device did not report a usable OS version (DevDetail/SwV).' });
    } else {
      out.push({ settingName, state: ok(os) ? 'compliant' : 'nonCompliant', currentValue: os, expectedValue: expected });
    }
  };
  const min = settings.osMinimumVersion;
  const max = settings.osMaximumVersion;
  if (typeof min === 'string') bound('osMinimumVersion', `>= ${min}`, (v) => compareVersions(v, min) >= 0);
  if (typeof max === 'string') bound('osMaximumVersion', `<= ${max}`, (v) => compareVersions(v, max) <= 0);
  const ranges = settings.validOperatingSystemBuildRanges;
  if (Array.isArray(ranges) && ranges.length > 0) {
    const list = ranges as BuildRange[];
    bound(
      'validOperatingSystemBuildRanges',
      list.map((r) => `${r.lowestVersion}-${r.highestVersion}`).join(', '),
      (v) => list.some((r) => compareVersions(v, r.lowestVersion) >= 0 && compareVersions(v, r.highestVersion) <= 0),
    );
  }
  return out;
}

const SEVERITY: Record<SettingState, number> = { notApplicable: 0, compliant: 1, nonCompliant: 2, error: 3 };

/** What a policy checks, worked out once per policy object and reused for every device. */
interface CompiledPolicy {
  checks: Array<[string, Check]>;
  unread: SettingResult[];
  checksOs: boolean;
}

const compiled = new WeakMap<object, CompiledPolicy>();

function compile(settings: ComplianceSettings): CompiledPolicy {
  let c = compiled.get(settings);
  if (c) return c;
  const checks = Object.entries(BOOLEAN_CHECKS).filter(([name]) => settings[name] === true);
  const unread: SettingResult[] = [];
  for (const name of UNREAD_SETTINGS) {
    const value = settings[name];
    if (configured(value)) {
      unread.push({ settingName: name, state: 'notApplicable', currentValue: null, expectedValue: String(value), reason: 'Baton does not read this setting from devices yet.' });
    }
  }
  const ranges = settings.validOperatingSystemBuildRanges;
  const checksOs = typeof settings.osMinimumVersion === 'string' || typeof settings.osMaximumVersion === 'string' || (Array.isArray(ranges) && ranges.length > 0);
  c = { checks, unread, checksOs };
  compiled.set(settings, c);
  return c;
}

/** One policy against one device's facts. A policy that configures nothing is compliant. */
export function evaluatePolicy(policy: Pick<CompliancePolicy, 'id' | 'settings'>, facts: DeviceFacts): PolicyResult {
  const { checks, unread, checksOs } = compile(policy.settings);
  const settings: SettingResult[] = [];
  for (const [name, check] of checks) {
    const reported = facts[check.fact];
    if (reported === undefined) {
      settings.push({ settingName: name, state: 'error', currentValue: null, expectedValue: check.expected, reason: `The device did not report ${check.fact}.` });
      continue;
    }
    settings.push({
      settingName: name,
      state: check.test(reported) ? 'compliant' : 'nonCompliant',
      currentValue: check.show ? check.show(reported) : reported,
      expectedValue: check.expected,
    });
  }
  if (checksOs) settings.push(...checkOs(policy.settings, facts));
  for (const u of unread) settings.push({ ...u });
  let state: SettingState = settings.length === 0 ? 'compliant' : 'notApplicable';
  for (const s of settings) if (SEVERITY[s.state] > SEVERITY[state]) state = s.state;
  return { policyId: policy.id, state, settings };
}

/** A policy's result with what grace needs: when it first became noncompliant, its grace period. */
export interface AssignedPolicyResult {
  result: PolicyResult;
  /** When this policy's current noncompliant streak began (null when it is not noncompliant). */
  noncompliantSince: string | null;
  graceHours: number;
}

export interface DeviceVerdict {
  state: DeviceComplianceState;
  /** When the earliest grace period ends, while the device is in one. */
  graceExpiresAt: string | null;
  /** What identity stores: compliant and in-grace devices pass conditional access. */
  isCompliant: boolean;
}

const DEVICE_SEVERITY: Record<DeviceComplianceState, number> = { unknown: 0, compliant: 1, inGracePeriod: 2, noncompliant: 3, error: 4 };

/**
 * The device's state: the worst over its assigned policies (notApplicable ones do not count).
 * A noncompliant policy still inside its grace period counts as inGracePeriod. A device with
 * no policy is compliant, Intune's default for "devices with no compliance policy assigned".
 */
export function deviceVerdict(policies: readonly AssignedPolicyResult[], now: Date): DeviceVerdict {
  let state: DeviceComplianceState = 'compliant';
  let graceExpiresAt: string | null = null;
  for (const p of policies) {
    let policyState: DeviceComplianceState;
    switch (p.result.state) {
      case 'notApplicable':
        continue;
      case 'compliant':
        policyState = 'compliant';
        break;
      case 'error':
        policyState = 'error';
        break;
      case 'nonCompliant': {
        const since = p.noncompliantSince ? Date.parse(p.noncompliantSince) : now.getTime();
        const ends = since + p.graceHours * 3_600_000;
        if (p.graceHours > 0 && now.getTime() < ends) {
          policyState = 'inGracePeriod';
          const iso = new Date(ends).toISOString();
          if (graceExpiresAt === null || iso < graceExpiresAt) graceExpiresAt = iso;
        } else {
          policyState = 'noncompliant';
        }
        break;
      }
    }
    if (DEVICE_SEVERITY[policyState] > DEVICE_SEVERITY[state]) state = policyState;
  }
  if (state !== 'inGracePeriod') graceExpiresAt = null;
  return { state, graceExpiresAt, isCompliant: state === 'compliant' || state === 'inGracePeriod' };
}

/** Evaluates every assigned policy; `since` gives the stored streak start of each policy. */
export function evaluateDevice(
  policies: readonly Pick<CompliancePolicy, 'id' | 'settings' | 'scheduledActions'>[],
  facts: DeviceFacts,
  since: (policyId: string) => string | null,
  now: Date,
): { results: AssignedPolicyResult[]; verdict: DeviceVerdict } {
  let at: string | undefined;
  const results = policies.map((policy) => {
    const result = evaluatePolicy(policy, facts);
    const noncompliantSince = result.state === 'nonCompliant' ? (since(policy.id) ?? (at ??= now.toISOString())) : null;
    return { result, noncompliantSince, graceHours: gracePeriodHours(policy) };
  });
  return { results, verdict: deviceVerdict(results, now) };
}
