/**
 * Baton's security baseline as Graph's own deviceConfiguration templates, each property mapped
 * to the CSP nodes Windows applies it through, one table per template:
 * - `windows10EndpointProtectionConfiguration`: BitLocker (BitLocker CSP) and Windows Firewall
 *   per network profile (Firewall CSP, `MdmStore/<Profile>/…`).
 * - `windows10GeneralConfiguration`: Microsoft Defender Antivirus (Policy CSP Defender/*) and
 *   the device password (Policy CSP DeviceLock/*).
 * - `windowsUpdateForBusinessConfiguration`: the update ring (Policy CSP Update/*).
 *
 * Intune's convention holds: a boolean that requires or blocks something is sent when true and
 * left alone when false ("not configured"), an enum's default and a null number are not sent.
 * Values follow the CSP reference (e.g. DeviceLock/DevicePasswordEnabled: 0 means enabled).
 */
import { configurationErrors, type DesiredSetting, type SettingFormat } from './setting.js';

const POLICY = './Device/Vendor/MSFT/Policy/Config';
const BITLOCKER = './Device/Vendor/MSFT/BitLocker';
const FIREWALL = './Vendor/MSFT/Firewall/MdmStore';

type Value = boolean | number | string | Record<string, unknown> | null;

interface Property {
  /** What Graph shows while the property is not set. */
  empty: Value;
  check(value: unknown, name: string): Value;
  /** The settings this value configures (none when it is "not configured"). */
  settings(value: Value, name: string): DesiredSetting[];
}

const one = (omaUri: string, name: string, format: SettingFormat, value: string): DesiredSetting[] => [{ omaUri, settingName: name, format, value }];
const bad = (name: string, what: string) => configurationErrors.invalid(`Invalid value for property '${name}': expected ${what}.`);

/** A boolean sent as `on` when true, not configured when false. */
function whenTrue(omaUri: string, format: SettingFormat, on: string): Property {
  return {
    empty: false,
    check(value, name) {
      if (typeof value !== 'boolean') throw bad(name, 'a boolean');
      return value;
    },
    settings: (value, name) => (value === true ? one(omaUri, name, format, on) : []),
  };
}

/** A nullable integer in [min, max], sent as is. */
function integer(omaUri: string, min: number, max: number): Property {
  return {
    empty: null,
    check(value, name) {
      if (value === null) return null;
      if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) throw bad(name, `an integer from ${min} to ${max}`);
      return value as number;
    },
    settings: (value, name) => (value === null ? [] : one(omaUri, name, 'int', String(value))),
  };
}

/** An enum whose members map to CSP integers; members absent from `codes` are not sent. */
function enumeration(omaUri: string, members: readonly string[], codes: Record<string, number>): Property {
  return {
    empty: members[0]!,
    check(value, name) {
      if (typeof value !== 'string' || !members.includes(value)) throw bad(name, members.join(' | '));
      return value;
    },
    settings: (value, name) => (typeof value === 'string' && codes[value] !== undefined ? one(omaUri, name, 'int', String(codes[value])) : []),
  };
}

/** windowsFirewallNetworkProfile: the properties of it Baton maps, for one network profile. */
function firewallProfile(profile: 'DomainProfile' | 'PrivateProfile' | 'PublicProfile'): Property {
  const base = `${FIREWALL}/${profile}`;
  const STATES = ['notConfigured', 'blocked', 'allowed'];
  const FLAGS: Record<string, { node: string; format: SettingFormat; on: string }> = {
    inboundConnectionsBlocked: { node: 'DefaultInboundAction', format: 'int', on: '1' },
    outboundConnectionsBlocked: { node: 'DefaultOutboundAction', format: 'int', on: '1' },
    stealthModeBlocked: { node: 'DisableStealthMode', format: 'bool', on: 'true' },
    inboundNotificationsBlocked: { node: 'DisableInboundNotifications', format: 'bool', on: 'true' },
    unicastResponsesToMulticastBroadcastsBlocked: { node: 'DisableUnicastResponsesToMulticastBroadcast', format: 'bool', on: 'true' },
  };
  return {
    empty: null,
    check(value, name) {
      if (value === null) return null;
      if (typeof value !== 'object' || Array.isArray(value)) throw bad(name, 'a windowsFirewallNetworkProfile object');
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        if (key === '@odata.type') continue;
        if (key === 'firewallEnabled') {
          if (typeof v !== 'string' || !STATES.includes(v)) throw bad(`${name}.firewallEnabled`, STATES.join(' | '));
        } else if (Object.hasOwn(FLAGS, key)) {
          if (typeof v !== 'boolean') throw bad(`${name}.${key}`, 'a boolean');
        } else {
          throw configurationErrors.invalid(`Property '${key.slice(0, 100)}' of '${name}' is not one Baton maps: firewallEnabled, ${Object.keys(FLAGS).join(', ')}.`);
        }
        out[key] = v;
      }
      return out;
    },
    settings(value, name) {
      if (value === null || typeof value !== 'object') return [];
      const v = value as Record<string, unknown>;
      const out: DesiredSetting[] = [];
      if (v.firewallEnabled === 'allowed' || v.firewallEnabled === 'blocked') {
        out.push(...one(`${base}/EnableFirewall`, `${name}.firewallEnabled`, 'bool', v.firewallEnabled === 'allowed' ? 'true' : 'false'));
      }
      for (const [key, flag] of Object.entries(FLAGS)) if (v[key] === true) out.push(...one(`${base}/${flag.node}`, `${name}.${key}`, flag.format, flag.on));
      return out;
    },
  };
}

export const TEMPLATE_TYPES = {
  endpointProtection: '#microsoft.graph.windows10EndpointProtectionConfiguration',
  general: '#microsoft.graph.windows10GeneralConfiguration',
  updateRing: '#microsoft.graph.windowsUpdateForBusinessConfiguration',
} as const;

export const TEMPLATES: Record<string, Record<string, Property>> = {
  [TEMPLATE_TYPES.endpointProtection]: {
    bitLockerEncryptDevice: whenTrue(`${BITLOCKER}/RequireDeviceEncryption`, 'int', '1'),
    // The warning about other disk encryption is what blocks silent encryption: 0 turns it off.
    bitLockerDisableWarningForOtherDiskEncryption: whenTrue(`${BITLOCKER}/AllowWarningForOtherDiskEncryption`, 'int', '0'),
    firewallProfileDomain: firewallProfile('DomainProfile'),
    firewallProfilePrivate: firewallProfile('PrivateProfile'),
    firewallProfilePublic: firewallProfile('PublicProfile'),
  },
  [TEMPLATE_TYPES.general]: {
    defenderRequireRealTimeMonitoring: whenTrue(`${POLICY}/Defender/AllowRealtimeMonitoring`, 'int', '1'),
    defenderRequireBehaviorMonitoring: whenTrue(`${POLICY}/Defender/AllowBehaviorMonitoring`, 'int', '1'),
    defenderRequireCloudProtection: whenTrue(`${POLICY}/Defender/AllowCloudProtection`, 'int', '1'),
    defenderRequireNetworkInspectionSystem: whenTrue(`${POLICY}/Defender/AllowIntrusionPreventionSystem`, 'int', '1'),
    defenderScanScriptsLoadedInInternetExplorer: whenTrue(`${POLICY}/Defender/AllowScriptScanning`, 'int', '1'),
    defenderScanArchiveFiles: whenTrue(`${POLICY}/Defender/AllowArchiveScanning`, 'int', '1'),
    defenderPotentiallyUnwantedAppAction: enumeration(`${POLICY}/Defender/PUAProtection`, ['deviceDefault', 'block', 'audit'], { block: 1, audit: 2 }),
    passwordRequired: whenTrue(`${POLICY}/DeviceLock/DevicePasswordEnabled`, 'int', '0'),
    passwordBlockSimple: whenTrue(`${POLICY}/DeviceLock/AllowSimpleDevicePassword`, 'int', '0'),
    passwordMinimumLength: integer(`${POLICY}/DeviceLock/MinDevicePasswordLength`, 4, 16),
    passwordRequiredType: enumeration(`${POLICY}/DeviceLock/AlphanumericDevicePasswordRequired`, ['deviceDefault', 'alphanumeric', 'numeric'], { alphanumeric: 0, numeric: 1 }),
    passwordMinutesOfInactivityBeforeScreenTimeout: integer(`${POLICY}/DeviceLock/MaxInactivityTimeDeviceLock`, 0, 999),
    passwordExpirationDays: integer(`${POLICY}/DeviceLock/DevicePasswordExpiration`, 0, 730),
    passwordPreviousPasswordBlockCount: integer(`${POLICY}/DeviceLock/DevicePasswordHistory`, 0, 50),
    passwordMinimumCharacterSetCount: integer(`${POLICY}/DeviceLock/MinDevicePasswordComplexCharacters`, 1, 4),
  },
  [TEMPLATE_TYPES.updateRing]: {
    qualityUpdatesDeferralPeriodInDays: integer(`${POLICY}/Update/DeferQualityUpdatesPeriodInDays`, 0, 30),
    featureUpdatesDeferralPeriodInDays: integer(`${POLICY}/Update/DeferFeatureUpdatesPeriodInDays`, 0, 365),
    qualityUpdatesPaused: whenTrue(`${POLICY}/Update/PauseQualityUpdates`, 'int', '1'),
    featureUpdatesPaused: whenTrue(`${POLICY}/Update/PauseFeatureUpdates`, 'int', '1'),
    deadlineForQualityUpdatesInDays: integer(`${POLICY}/Update/ConfigureDeadlineForQualityUpdates`, 0, 30),
    deadlineForFeatureUpdatesInDays: integer(`${POLICY}/Update/ConfigureDeadlineForFeatureUpdates`, 0, 30),
    deadlineGracePeriodInDays: integer(`${POLICY}/Update/ConfigureDeadlineGracePeriod`, 0, 7),
    driversExcluded: whenTrue(`${POLICY}/Update/ExcludeWUDriversInQualityUpdate`, 'int', '1'),
    microsoftUpdateServiceAllowed: whenTrue(`${POLICY}/Update/AllowMUUpdateService`, 'int', '1'),
  },
};

export type TemplateValues = Record<string, Value>;

/** Validates a template's properties (all of them on create, some on PATCH); unknown ones are a 400. */
export function parseTemplateValues(type: string, body: Record<string, unknown>, ignore: ReadonlySet<string>): TemplateValues {
  const table = TEMPLATES[type]!;
  const out: TemplateValues = {};
  for (const [name, value] of Object.entries(body)) {
    if (ignore.has(name) || name.endsWith('@odata.type')) continue;
    const property = Object.hasOwn(table, name) ? table[name] : undefined;
    if (!property) throw configurationErrors.invalid(`Property '${name.slice(0, 100)}' is not one Baton maps for '${type.slice(1)}'; it maps ${Object.keys(table).join(', ')}.`);
    out[name] = property.check(value, name);
  }
  return out;
}

export function templateDesiredSettings(type: string, values: TemplateValues): DesiredSetting[] {
  const table = TEMPLATES[type]!;
  return Object.entries(table).flatMap(([name, property]) => (values[name] === undefined ? [] : property.settings(values[name]!, name)));
}

/** Every mapped property of the template, set ones with their value and the rest empty. */
export function templateView(type: string, values: TemplateValues): TemplateValues {
  return Object.fromEntries(Object.entries(TEMPLATES[type]!).map(([name, property]) => [name, values[name] ?? property.empty]));
}
