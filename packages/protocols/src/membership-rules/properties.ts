import type { RuleOperator, RuleDialect, RuleSubject } from './ast.js';

export type PropertyType = 'string' | 'boolean' | 'dateTime' | 'stringCollection' | 'objectCollection';

export interface PropertySpec {
  /** Canonical spelling, as Microsoft's tables write it. */
  readonly name: string;
  readonly type: PropertyType;
  /** Object collections: the name elements go by inside `-any`/`-all` and their string fields. */
  readonly element?: { readonly alias: string; readonly fields: readonly string[] };
  /** Device filters restrict operators per attribute; absent means "whatever the type allows". */
  readonly operators?: readonly RuleOperator[];
}

const extensionAttributes = Array.from({ length: 15 }, (_, i) => `extensionAttribute${i + 1}`);

function table(specs: PropertySpec[]): ReadonlyMap<string, PropertySpec> {
  return new Map(specs.map((s) => [s.name.toLowerCase(), s]));
}

const str = (name: string): PropertySpec => ({ name, type: 'string' });
const bool = (name: string): PropertySpec => ({ name, type: 'boolean' });
const strings = (name: string): PropertySpec => ({ name, type: 'stringCollection' });

const memberOf: PropertySpec = { name: 'memberOf', type: 'objectCollection', element: { alias: 'group', fields: ['objectId'] } };

// entra-docs docs/identity/users/groups-dynamic-membership.md, "Supported properties" and
// "Multi-value properties".
const USER = table([
  bool('accountEnabled'),
  bool('dirSyncEnabled'),
  { name: 'employeeHireDate', type: 'dateTime' },
  ...[
    'city',
    'country',
    'companyName',
    'department',
    'displayName',
    'employeeId',
    'facsimileTelephoneNumber',
    'givenName',
    'jobTitle',
    'mail',
    'mailNickName',
    'mobile',
    'objectId',
    'onPremisesDistinguishedName',
    'onPremisesSecurityIdentifier',
    'passwordPolicies',
    'physicalDeliveryOfficeName',
    'postalCode',
    'preferredLanguage',
    'sipProxyAddress',
    'state',
    'streetAddress',
    'surname',
    'telephoneNumber',
    'usageLocation',
    'userPrincipalName',
    'userType',
    ...extensionAttributes,
  ].map(str),
  strings('otherMails'),
  strings('proxyAddresses'),
  {
    name: 'assignedPlans',
    type: 'objectCollection',
    element: { alias: 'assignedPlan', fields: ['capabilityStatus', 'service', 'servicePlanId'] },
  },
  memberOf,
]);

// Same page, "Rules for devices". `trustType` sits beside the documented `deviceTrustType` because it
// is the Graph property name and the one device filters use; rules copied between the two should work.
const DEVICE = table([
  bool('accountEnabled'),
  bool('isRooted'),
  ...[
    'deviceCategory',
    'deviceId',
    'deviceManagementAppId',
    'deviceManufacturer',
    'deviceModel',
    'displayName',
    'deviceOSType',
    'deviceOSVersion',
    'deviceOwnership',
    'deviceTrustType',
    'trustType',
    'enrollmentProfileName',
    'managementType',
    'objectId',
    'profileType',
    ...extensionAttributes,
  ].map(str),
  strings('devicePhysicalIds'),
  strings('systemLabels'),
  memberOf,
]);

const EQUALITY: readonly RuleOperator[] = ['eq', 'ne'];
const SET: readonly RuleOperator[] = ['eq', 'ne', 'in', 'notIn'];
const TEXT: readonly RuleOperator[] = [
  'eq',
  'ne',
  'startsWith',
  'notStartsWith',
  'endsWith',
  'notEndsWith',
  'contains',
  'notContains',
  'in',
  'notIn',
];
const MEMBERSHIP: readonly RuleOperator[] = ['contains', 'notContains'];

// entra-docs docs/identity/conditional-access/concept-condition-filters-for-devices.md,
// "Supported operators and device properties for filters": attribute set and per-attribute operators.
const FILTER = table([
  { name: 'deviceId', type: 'string', operators: SET },
  { name: 'displayName', type: 'string', operators: TEXT },
  { name: 'deviceOwnership', type: 'string', operators: EQUALITY },
  { name: 'enrollmentProfileName', type: 'string', operators: TEXT },
  { name: 'isCompliant', type: 'boolean', operators: EQUALITY },
  { name: 'manufacturer', type: 'string', operators: TEXT },
  { name: 'mdmAppId', type: 'string', operators: SET },
  { name: 'model', type: 'string', operators: TEXT },
  { name: 'operatingSystem', type: 'string', operators: TEXT },
  { name: 'operatingSystemVersion', type: 'string', operators: TEXT },
  { name: 'physicalIds', type: 'stringCollection', operators: MEMBERSHIP },
  { name: 'profileType', type: 'string', operators: EQUALITY },
  { name: 'systemLabels', type: 'stringCollection', operators: MEMBERSHIP },
  { name: 'trustType', type: 'string', operators: EQUALITY },
  ...extensionAttributes.map((name): PropertySpec => ({ name, type: 'string', operators: TEXT })),
]);

// Directory extension properties (`extension_<appId without dashes>_<name>`), documented for dynamic
// groups as string properties; device filters have no equivalent.
const CUSTOM_EXTENSION = /^extension_[0-9a-f]+_[A-Za-z0-9_]+$/i;

export function propertyTable(dialect: RuleDialect, subject: RuleSubject): ReadonlyMap<string, PropertySpec> {
  if (dialect === 'deviceFilter') return FILTER;
  return subject === 'user' ? USER : DEVICE;
}

/** Names are matched case-insensitively: Microsoft's own examples mix `devicePhysicalIDs` and `devicePhysicalIds`. */
export function lookupProperty(dialect: RuleDialect, subject: RuleSubject, name: string): PropertySpec | undefined {
  const known = propertyTable(dialect, subject).get(name.toLowerCase());
  if (known) return known;
  if (dialect === 'dynamicGroup' && CUSTOM_EXTENSION.test(name)) return { name, type: 'string' };
  return undefined;
}

// The same device attribute is spelled differently in the two dialects; rules get copied between them.
const COUNTERPARTS: Record<RuleDialect, Record<string, string>> = {
  deviceFilter: {
    devicephysicalids: 'physicalIds',
    deviceostype: 'operatingSystem',
    deviceosversion: 'operatingSystemVersion',
    devicemanufacturer: 'manufacturer',
    devicemodel: 'model',
    devicemanagementappid: 'mdmAppId',
    devicetrusttype: 'trustType',
  },
  dynamicGroup: {
    physicalids: 'devicePhysicalIds',
    operatingsystem: 'deviceOSType',
    operatingsystemversion: 'deviceOSVersion',
    manufacturer: 'deviceManufacturer',
    model: 'deviceModel',
    mdmappid: 'deviceManagementAppId',
  },
};

/** What the author probably meant by an unknown property name. */
export function propertyHint(dialect: RuleDialect, subject: RuleSubject, name: string): string | undefined {
  const counterpart = subject === 'device' ? COUNTERPARTS[dialect][name.toLowerCase()] : undefined;
  return counterpart ?? suggestName(name, [...propertyTable(dialect, subject).values()].map((s) => s.name));
}

/** The closest known name, for "did you mean" hints on typos. */
export function suggestName(name: string, candidates: Iterable<string>): string | undefined {
  const target = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(target.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(target, candidate.toLowerCase(), bestDistance);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      row.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin >= cap) return cap;
    prev = row;
  }
  return prev[b.length];
}
