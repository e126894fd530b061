/**
 * Who calls management's Graph surface and what they address: the caller's tenant, once its
 * token carries one of the roles a route needs, and the tenant's own objects by GUID id.
 */
import { requireRole, type TokenVerifier } from '@baton/kit';
import type { FastifyRequest } from 'fastify';

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(id: string): boolean {
  return GUID_RE.test(id);
}

/** The caller's tenant id (lower case), or a 401/403 Graph error. */
export function graphTenantOf(tokens: TokenVerifier): (request: FastifyRequest, roles: string[]) => Promise<string> {
  return async (request, roles) => {
    const claims = await tokens.verifyHeader(request.headers.authorization);
    requireRole(claims, roles);
    return claims.tid.toLowerCase();
  };
}

/** The object `find` answers for `id`; anything that is not a GUID is not found without a query. */
export async function ownedById<T>(id: string, find: (id: string) => Promise<T | undefined>, notFound: (id: string) => Error): Promise<T> {
  const found = isGuid(id) ? await find(id.toLowerCase()) : undefined;
  if (found === undefined) throw notFound(id);
  return found;
}
