/**
 * The user profile properties a Graph `POST /users` or `PATCH /users/{id}` body sets, checked
 * as Entra checks them (learn.microsoft.com/graph/api/resources/user): text within Entra's
 * maximum length, usageLocation an ISO 3166 country code, mail an address. Anything else is
 * Graph's own 400, "Invalid value specified for property 'jobTitle' of resource 'User'.", and
 * nothing is written. An empty string is refused too: null is what clears a property.
 */
import { identityGraphErrors } from '../errors.js';
import { USER_PROFILE_PROPERTIES, type UserProfile, type UserProfileProperty } from '../store/store.js';
import { ISO_COUNTRY_CODES } from './country-codes.js';

/** Entra's limits, in characters; Graph documents none for mail, which is bounded like a UPN. */
const MAX_LENGTH: Record<UserProfileProperty, number> = {
  givenName: 64,
  surname: 64,
  mail: 256,
  jobTitle: 128,
  department: 64,
  companyName: 64,
  officeLocation: 128,
  city: 128,
  state: 128,
  country: 128,
  usageLocation: 2,
  employeeId: 16,
  mobilePhone: 64,
};

// An SMTP address without accents (Entra refuses them in mail): RFC 5322's dot-atom on both sides.
const MAIL_RE = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/;

function invalid(property: UserProfileProperty): Error {
  return identityGraphErrors.invalidValue(`Invalid value specified for property '${property}' of resource 'User'.`);
}

function checked(property: UserProfileProperty, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH[property]) throw invalid(property);
  if (property === 'usageLocation') {
    // Kept in capitals, as ISO and Graph's examples write it, whatever case it was sent in.
    const code = value.toUpperCase();
    if (!ISO_COUNTRY_CODES.has(code)) throw invalid(property);
    return code;
  }
  if (property === 'mail' && !MAIL_RE.test(value)) throw invalid(property);
  return value;
}

/** The profile properties the body names, checked; null clears one, an absent one stays as it is. */
export function userProfileOf(body: Record<string, unknown>): UserProfile {
  const profile: UserProfile = {};
  for (const property of USER_PROFILE_PROPERTIES) {
    const value = body[property];
    if (value === undefined) continue;
    profile[property] = value === null ? null : checked(property, value);
  }
  return profile;
}

/** Graph shows every profile property, null when unset. */
export function graphUserProfile(profile: UserProfile): Required<UserProfile> {
  const shown = {} as Required<UserProfile>;
  for (const property of USER_PROFILE_PROPERTIES) shown[property] = profile[property] ?? null;
  return shown;
}
