/**
 * `GET /identity/v1/events`: identity's event feed (query options and paging as discovery's
 * `/ztd/v1/events`, see docs/chain.md). An admin token with a device-reading role reads its
 * own tenant's events; an app token of one of Baton's services also reads the events of
 * requests that named no known tenant.
 */
import { EVENT_FEED_PATHS, GRAPH_RESOURCE, ROLES, SERVICE_APP_IDS } from '@baton/contracts';
import { eventFeedRoutes, graphErrors, requireRole, type FeedReader } from '@baton/kit';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { AccessTokenRejected, bearerToken, verifyAccessToken } from '../domain/access-tokens.js';
import type { IdentityDeps } from '../domain/deps.js';
import type { IdentityEvents } from './feed.js';

const READ_ROLES = [ROLES.devicesReadWrite, 'Device.Read.All', ROLES.directoryRead, 'Directory.ReadWrite.All'];
const SERVICE_APPS = new Set<string>(Object.values(SERVICE_APP_IDS));

async function authorize(deps: IdentityDeps, request: FastifyRequest): Promise<FeedReader> {
  const token = bearerToken(request.headers.authorization);
  if (!token) throw graphErrors.unauthenticated();
  let claims;
  try {
    ({ claims } = await verifyAccessToken(deps, token, GRAPH_RESOURCE));
  } catch (error) {
    if (error instanceof AccessTokenRejected) throw graphErrors.unauthenticated(`The access token was rejected: ${error.message}`);
    throw error;
  }
  const service = typeof claims.azp === 'string' && SERVICE_APPS.has(claims.azp) && claims.idtyp !== 'user';
  if (!service) requireRole(claims, READ_ROLES);
  return { tenantId: claims.tid, includeTenantless: service };
}

export const identityEventRoutes: FastifyPluginAsync<{ deps: IdentityDeps; events: IdentityEvents }> = async (app, { deps, events }) => {
  await app.register(eventFeedRoutes, {
    path: EVENT_FEED_PATHS.identity,
    service: 'identity',
    store: events.store,
    authorize: (request) => authorize(deps, request),
    publicUrl: () => deps.urls.root,
  });
};
