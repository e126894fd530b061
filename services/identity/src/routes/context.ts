import type { IdentityDeps } from '../domain/deps.js';
import type { TokenEndpoint } from '../domain/token-endpoint.js';
import type { IdentityEvents } from '../events/feed.js';

/** Options every route plugin of the service receives. */
export interface IdentityRouteOptions {
  deps: IdentityDeps;
  tokenEndpoint: TokenEndpoint;
  /** The event feed the token and join answers are recorded in. */
  events: IdentityEvents;
}

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The caller's client-request-id when it is a GUID (as MSAL sends it), else a new one. */
export function correlationId(header: string | string[] | undefined, fallback: string): string {
  return typeof header === 'string' && GUID_RE.test(header) ? header.toLowerCase() : fallback;
}
