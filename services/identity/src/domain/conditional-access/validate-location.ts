/**
 * namedLocation bodies (ipNamedLocation, countryNamedLocation) as Graph clients POST them
 * or exports return them. `@odata.type` picks the kind; on PATCH the stored kind is kept.
 */
import { CidrError, parseCidr } from './ip-ranges.js';
import { boolean, enumValue, fail, has, join, list, object, string } from './json-reader.js';
import {
  COUNTRY_NAMED_LOCATION,
  IP_NAMED_LOCATION,
  IPV4_RANGE,
  IPV6_RANGE,
  type IpRange,
  type NamedLocationBody,
} from './types.js';

const READ_ONLY = ['id', 'createdDateTime', 'modifiedDateTime'];
const COUNTRY = /^[A-Z]{2}$/;

function odataType(o: Record<string, unknown>): string | undefined {
  const t = o['@odata.type'];
  if (t === undefined) return undefined;
  if (typeof t !== 'string') fail('ca.type', '@odata.type', 'expected a string');
  return t.startsWith('#') ? t : `#${t}`;
}

function ipRange(v: unknown, path: string): IpRange {
  const o = object(v, path, ['cidrAddress']);
  if (!has(o, 'cidrAddress')) fail('ca.required', join(path, 'cidrAddress'), 'is required');
  const cidrAddress = string(o.cidrAddress, join(path, 'cidrAddress'), { max: 64, min: 1 });
  let family: 4 | 6;
  try {
    family = parseCidr(cidrAddress).family;
  } catch (error) {
    if (error instanceof CidrError) fail('ca.value', join(path, 'cidrAddress'), error.message);
    throw error;
  }
  const declared = odataType(o);
  const expected = family === 4 ? IPV4_RANGE : IPV6_RANGE;
  if (declared !== undefined && declared.toLowerCase() !== expected.toLowerCase()) {
    fail('ca.value', join(path, '@odata.type'), `${cidrAddress} is an IPv${family} range; expected ${expected}`);
  }
  return { '@odata.type': expected, cidrAddress };
}

/** `kind` is the stored location's type on PATCH; on create the body's `@odata.type` decides. */
export function validateNamedLocation(input: unknown, kind?: string): NamedLocationBody {
  const loose = object(input, '', ['displayName', 'isTrusted', 'ipRanges', 'countriesAndRegions', 'includeUnknownCountriesAndRegions', 'countryLookupMethod'], READ_ONLY);
  const declared = odataType(loose);
  if (kind && declared && declared.toLowerCase() !== kind.toLowerCase()) fail('ca.value', '@odata.type', `the location is a ${kind}; its type cannot change`);
  const type = (kind ?? declared)?.toLowerCase();
  if (!type) fail('ca.required', '@odata.type', `is required (${IP_NAMED_LOCATION} or ${COUNTRY_NAMED_LOCATION})`);
  if (!has(loose, 'displayName')) fail('ca.required', 'displayName', 'is required');
  const displayName = string(loose.displayName, 'displayName', { max: 256, min: 1 });
  if (type === IP_NAMED_LOCATION.toLowerCase()) {
    const o = object(input, '', ['displayName', 'isTrusted', 'ipRanges'], READ_ONLY);
    const ipRanges = list(o.ipRanges, 'ipRanges', ipRange);
    if (ipRanges.length === 0) fail('ca.required', 'ipRanges', 'must hold at least one range');
    return { '@odata.type': IP_NAMED_LOCATION, displayName, isTrusted: o.isTrusted === undefined ? false : boolean(o.isTrusted, 'isTrusted'), ipRanges: dedupe(ipRanges) };
  }
  if (type === COUNTRY_NAMED_LOCATION.toLowerCase()) {
    const o = object(input, '', ['displayName', 'countriesAndRegions', 'includeUnknownCountriesAndRegions', 'countryLookupMethod'], READ_ONLY);
    const countriesAndRegions = list(o.countriesAndRegions, 'countriesAndRegions', (x, p) => {
      const code = string(x, p, { max: 2, min: 2 }).toUpperCase();
      if (!COUNTRY.test(code)) fail('ca.value', p, `'${code}' is not a two-letter ISO 3166 code`);
      return code;
    });
    const includeUnknown = o.includeUnknownCountriesAndRegions === undefined ? false : boolean(o.includeUnknownCountriesAndRegions, 'includeUnknownCountriesAndRegions');
    if (countriesAndRegions.length === 0 && !includeUnknown) fail('ca.required', 'countriesAndRegions', 'must hold at least one country');
    return {
      '@odata.type': COUNTRY_NAMED_LOCATION,
      displayName,
      countriesAndRegions,
      includeUnknownCountriesAndRegions: includeUnknown,
      countryLookupMethod:
        o.countryLookupMethod === undefined || o.countryLookupMethod === null
          ? 'clientIpAddress'
          : enumValue(o.countryLookupMethod, 'countryLookupMethod', ['clientIpAddress', 'authenticatorAppGps'] as const),
    };
  }
  return fail('ca.enum', '@odata.type', `'${String(declared ?? kind).slice(0, 80)}' is not ${IP_NAMED_LOCATION} or ${COUNTRY_NAMED_LOCATION}`);
}

function dedupe(ranges: IpRange[]): IpRange[] {
  const seen = new Set<string>();
  return ranges.filter((r) => !seen.has(r.cidrAddress) && seen.add(r.cidrAddress));
}
