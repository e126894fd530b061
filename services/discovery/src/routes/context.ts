/** What every discovery route is given, and the request-scoped facts hooks establish. */
import { ROLES } from '@baton/contracts';
import { childTraceparent, currentTraceparent, requireRole, type AccessTokenClaims } from '@baton/kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DiscoveryDeps } from '../domain/deps.js';
import type { GroupMembership } from '../domain/group-membership.js';

export interface TokenCheck {
  verifyHeader(header: string | undefined): Promise<AccessTokenClaims>;
}

export interface DiscoveryPluginOptions {
  deps: DiscoveryDeps;
  verifier: TokenCheck;
  /** Discovery's public base URL, for `@odata.context` and `@odata.nextLink`. */
  publicUrl: string;
  /** Receives identity's change notifications; without it deliveries are accepted and dropped. */
  groups?: GroupMembership;
}

export type GraphVersion = 'beta' | 'v1.0';

export interface GraphRouteOptions extends DiscoveryPluginOptions {
  version: GraphVersion;
}

const tenants = new WeakMap<FastifyRequest, string>();
const traces = new WeakMap<FastifyRequest, string>();

/** Verifies the bearer token and remembers its tenant for the handler. */
export function graphAuth(verifier: TokenCheck) {
  return async (request: FastifyRequest): Promise<void> => {
    const claims = await verifier.verifyHeader(request.headers.authorization);
    requireRole(claims, [ROLES.autopilotReadWrite]);
    tenants.set(request, claims.tid.toLowerCase());
  };
}

export function tenantOf(request: FastifyRequest): string {
  const tid = tenants.get(request);
  if (!tid) throw new Error('route reached without graphAuth');
  return tid;
}

/** Continues the caller's trace (or starts one) and tells the caller which span answered. */
export async function traceHook(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const incoming = request.headers.traceparent;
  // With tracing on, the span that answers is the request's exported span.
  const trace = currentTraceparent() ?? childTraceparent(typeof incoming === 'string' ? incoming : undefined);
  traces.set(request, trace);
  reply.header('traceparent', trace);
}

export function traceOf(request: FastifyRequest): string | undefined {
  return traces.get(request);
}

export const metadataContext = (publicUrl: string, version: GraphVersion, path: string) =>
  `${publicUrl}/graph/${version}/$metadata#${path}`;
