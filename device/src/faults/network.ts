/**
 * A service the device cannot reach: its requests to that service's endpoints fail as a
 * refused connection does, which is what a device sees while the service is down.
 */
import { MANAGEMENT_PATHS, type ServiceName } from '@baton/contracts';
import type { Fetch } from '@baton/kit';

/** Path prefixes that identify a service's device-facing endpoints. */
const SERVICE_PATHS: Record<ServiceName, RegExp> = {
  discovery: /^\/ztd\//,
  identity: /^\/[^/]+\/(oauth2|v2\.0|discovery)\/|^\/enterpriseregistration\//,
  management: new RegExp(`^(${[MANAGEMENT_PATHS.discovery, MANAGEMENT_PATHS.policy, MANAGEMENT_PATHS.enrollment, MANAGEMENT_PATHS.omadm].map((p) => p.replace(/\./g, '\\.')).join('|')})`),
};

export function refusingFetch(fetch: Fetch, service: ServiceName): Fetch {
  const paths = SERVICE_PATHS[service];
  return async (input, init) => {
    const url = new URL(String(input));
    if (paths.test(url.pathname)) {
      const cause = Object.assign(new Error(`connect ECONNREFUSED ${url.host}`), { code: 'ECONNREFUSED' });
      throw new TypeError('fetch failed', { cause });
    }
    return fetch(input, init);
  };
}
