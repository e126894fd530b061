/**
 * A sign-in prepared once for evaluation against every policy: ids lower-cased into sets,
 * the address resolved to the named locations it falls in, the device as a filter subject.
 */
import { contains, parseIp } from './ip-ranges.js';
import type { CompiledNamedLocations } from './compile.js';
import type { ConditionalAccessDevice, SatisfiedControls, SignIn, SignInTarget } from './types.js';

export interface PreparedSignIn {
  user: { id: string; groups: ReadonlySet<string>; roles: ReadonlySet<string>; guestType: string | null; externalTenantId: string | null } | null;
  servicePrincipalId: string | null;
  target: SignInTarget;
  targetValue: string;
  clientAppType: string;
  platform: string | null;
  locationIds: ReadonlySet<string>;
  trustedLocation: boolean;
  /** Filter subject: canonical property names; empty for an unregistered device. */
  device: Record<string, unknown>;
  rawDevice: ConditionalAccessDevice | null;
  signInRisk: string;
  userRisk: string;
  servicePrincipalRisk: string;
  insiderRisk: string | null;
  authenticationFlow: string | null;
  satisfied: SatisfiedControls;
}

const EMPTY: ReadonlySet<string> = new Set();

function lowerSet(values: Iterable<string> | undefined): ReadonlySet<string> {
  if (!values) return EMPTY;
  const out = new Set<string>();
  for (const v of values) out.add(v.toLowerCase());
  return out;
}

export function prepareSignIn(signIn: SignIn, locations: CompiledNamedLocations): PreparedSignIn {
  const id = signIn.identity;
  const target = signIn.target;
  const { locationIds, trusted } = resolveLocations(locations, signIn.ipAddress ?? null, signIn.country ?? null);
  const guestType = id.kind === 'user' && id.guestOrExternalUserType && id.guestOrExternalUserType !== 'none' ? id.guestOrExternalUserType.toLowerCase() : null;
  return {
    user:
      id.kind === 'user'
        ? { id: id.userId.toLowerCase(), groups: lowerSet(id.groupIds), roles: lowerSet(id.roleTemplateIds), guestType, externalTenantId: id.externalTenantId?.toLowerCase() ?? null }
        : null,
    servicePrincipalId: id.kind === 'servicePrincipal' ? id.servicePrincipalId.toLowerCase() : null,
    target,
    targetValue: (target.kind === 'application' ? target.appId : target.kind === 'userAction' ? target.userAction : target.value).toLowerCase(),
    clientAppType: (signIn.clientAppType ?? 'browser').toLowerCase(),
    platform: signIn.devicePlatform ? signIn.devicePlatform.toLowerCase() : null,
    locationIds,
    trustedLocation: trusted,
    device: filterSubject(signIn.device ?? null),
    rawDevice: signIn.device ?? null,
    signInRisk: (signIn.signInRiskLevel ?? 'none').toLowerCase(),
    userRisk: (signIn.userRiskLevel ?? 'none').toLowerCase(),
    servicePrincipalRisk: (signIn.servicePrincipalRiskLevel ?? 'none').toLowerCase(),
    insiderRisk: signIn.insiderRiskLevel ? signIn.insiderRiskLevel.toLowerCase() : null,
    authenticationFlow: signIn.authenticationFlow && signIn.authenticationFlow !== 'none' ? signIn.authenticationFlow.toLowerCase() : null,
    satisfied: signIn.satisfied ?? {},
  };
}

/** Named locations the sign-in is in; an address that does not parse is in none. */
export function resolveLocations(locations: CompiledNamedLocations, ipAddress: string | null, country: string | null): { locationIds: Set<string>; trusted: boolean } {
  const locationIds = new Set<string>();
  let trusted = false;
  const ip = ipAddress ? parseIp(ipAddress.trim()) : undefined;
  if (ip) {
    for (const location of locations.ip) {
      if (location.ranges.some((r) => contains(r, ip))) {
        locationIds.add(location.id);
        if (location.trusted) trusted = true;
      }
    }
  }
  const code = country && /^[A-Za-z]{2}$/.test(country) ? country.toUpperCase() : null;
  for (const location of locations.country) {
    if (code ? location.countries.has(code) : location.includeUnknown) locationIds.add(location.id);
  }
  return { locationIds, trusted };
}

/**
 * Extension attributes are only "available" to filters for devices that are Intune-managed,
 * compliant or hybrid joined (concept-condition-filters-for-devices.md); otherwise they read as unset.
 */
function filterSubject(device: ConditionalAccessDevice | null): Record<string, unknown> {
  if (!device) return {};
  const managed = Boolean(device.mdmAppId) || device.isCompliant === true || (device.trustType ?? '').toLowerCase() === 'serverad';
  const subject: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(device)) {
    if (key === '__proto__') continue;
    if (!managed && /^extensionattribute\d+$/i.test(key)) continue;
    subject[key] = value;
  }
  return subject;
}
