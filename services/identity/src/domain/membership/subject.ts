/**
 * What a membership rule sees of a directory object. Rule property names are Entra's
 * dynamic-group names (`device.deviceOSType`), not Graph's (`operatingSystem`), so each
 * record is mapped once here. The device mapping:
 *
 * | rule property                    | identity's device record                                  |
 * |----------------------------------|-----------------------------------------------------------|
 * | objectId                         | id (the object id)                                        |
 * | deviceId                         | deviceId                                                  |
 * | displayName                      | displayName                                               |
 * | accountEnabled                   | accountEnabled                                            |
 * | devicePhysicalIds                | physicalIds (`[ZTDID]:…`, `[OrderID]:<group tag>`, …)     |
 * | deviceOSType                     | operatingSystem ("Windows")                               |
 * | deviceOSVersion                  | operatingSystemVersion                                    |
 * | deviceTrustType, trustType       | trustType (AzureAd, Workplace, ServerAd; null before join)|
 * | managementType                   | "MDM" once management reported the device managed, else null |
 * | isCompliant                      | isCompliant (device filters only; dynamic groups cannot name it) |
 * | deviceOwnership                  | deviceOwnership (Company for Autopilot placeholders)      |
 * | enrollmentProfileName            | enrollmentProfileName, as written through Graph           |
 * | profileType                      | Graph's profileType: Shared for a self-deploying device, RegisteredDevice for other joined ones |
 * | extensionAttribute1-15           | extensionAttributes, as written through Graph             |
 * | deviceCategory, deviceManufacturer, deviceModel, deviceManagementAppId, systemLabels, isRooted | not kept by identity: null (empty for collections), so a positive comparison is false and a negative one true |
 *
 * The user mapping:
 *
 * | rule property                    | identity's user record                                    |
 * |----------------------------------|-----------------------------------------------------------|
 * | objectId                         | id                                                        |
 * | userPrincipalName                | upn                                                       |
 * | displayName                      | displayName                                               |
 * | accountEnabled                   | accountEnabled                                            |
 * | mailNickName                     | the UPN's local part                                      |
 * | givenName, surname, mail, jobTitle, department, companyName, city, state, country, usageLocation, employeeId | the profile property of the same name (null when unset) |
 * | physicalDeliveryOfficeName       | officeLocation (Entra's rules keep the directory's name)  |
 * | mobile                           | mobilePhone                                               |
 * | every other user property        | not kept by identity: null                                |
 */
import type { DeviceRecord, MemberType, UserRecord } from '../../store/store.js';
import { profileTypeOf } from '../autopilot-mode.js';
import { EXTENSION_ATTRIBUTE_NAMES } from '../devices.js';

export type RuleSubject = Record<string, unknown>;

export function deviceSubject(d: DeviceRecord): RuleSubject {
  return {
    objectId: d.id,
    deviceId: d.deviceId,
    displayName: d.displayName,
    accountEnabled: d.accountEnabled,
    devicePhysicalIds: d.physicalIds,
    deviceOSType: d.operatingSystem,
    deviceOSVersion: d.operatingSystemVersion,
    deviceTrustType: d.trustType,
    trustType: d.trustType,
    managementType: d.isManaged ? 'MDM' : null,
    isCompliant: d.isCompliant,
    deviceOwnership: d.deviceOwnership ?? null,
    enrollmentProfileName: d.enrollmentProfileName ?? null,
    profileType: profileTypeOf(d),
    ...Object.fromEntries(EXTENSION_ATTRIBUTE_NAMES.map((name) => [name, d.extensionAttributes?.[name] ?? null])),
  };
}

export function userSubject(u: UserRecord): RuleSubject {
  return {
    objectId: u.id,
    userPrincipalName: u.upn,
    displayName: u.displayName,
    accountEnabled: u.accountEnabled,
    mailNickName: u.upn.split('@')[0] ?? null,
    givenName: u.givenName ?? null,
    surname: u.surname ?? null,
    mail: u.mail ?? null,
    jobTitle: u.jobTitle ?? null,
    department: u.department ?? null,
    companyName: u.companyName ?? null,
    physicalDeliveryOfficeName: u.officeLocation ?? null,
    city: u.city ?? null,
    state: u.state ?? null,
    country: u.country ?? null,
    usageLocation: u.usageLocation ?? null,
    employeeId: u.employeeId ?? null,
    mobile: u.mobilePhone ?? null,
  };
}

export function subjectOf(type: MemberType, record: DeviceRecord | UserRecord): RuleSubject {
  return type === 'device' ? deviceSubject(record as DeviceRecord) : userSubject(record as UserRecord);
}

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => v === b[i]);
  return a === b;
}

/**
 * The rule properties (lower-cased `device.x`, the form the rule index holds) whose value
 * differs between two versions of one object; a write that changes none of them cannot
 * change any dynamic membership.
 */
export function changedRuleProperties(type: MemberType, before: RuleSubject, after: RuleSubject): string[] {
  const out: string[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (!same(before[key], after[key])) out.push(`${type}.${key}`.toLowerCase());
  }
  return out;
}
