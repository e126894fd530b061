/** The Graph surface's bearer-token check, shared by every identity plugin that serves `/graph/…`. */
import type { FastifyRequest } from 'fastify';
import { GRAPH_RESOURCE } from '@baton/contracts';
import { graphErrors } from '@baton/kit';
import { AccessTokenRejected, bearerToken, verifyAccessToken, type VerifiedAccess } from '../domain/access-tokens.js';
import type { IdentityDeps } from '../domain/deps.js';

/** Verifies the request's Graph token, or throws Graph's 401. */
export async function verifyGraphCaller(deps: IdentityDeps, request: FastifyRequest): Promise<VerifiedAccess> {
  const token = bearerToken(request.headers.authorization);
  if (!token) throw graphErrors.unauthenticated('Access token is empty.');
  try {
    return await verifyAccessToken(deps, token, GRAPH_RESOURCE);
  } catch (error) {
    if (error instanceof AccessTokenRejected) throw graphErrors.unauthenticated(`Access token validation failure: ${error.message}.`);
    throw error;
  }
}
