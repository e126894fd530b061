/**
 * `GET /mdm/v1/events`: management's event feed (query options and paging as discovery's
 * `/ztd/v1/events`, plus `managedDeviceId`). An admin token with a managed-device role reads
 * its tenant's events; an app token of one of Baton's services also reads the events of
 * requests no tenant could be proven for.
 */
import { EVENT_FEED_PATHS, ROLES, SERVICE_APP_IDS } from '@baton/contracts';
import { eventFeedRoutes, requireRole, type FeedReader } from '@baton/kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ManagementDeps } from '../deps.js';

const READ_ROLES = [ROLES.managedDevicesReadWrite, 'DeviceManagementManagedDevices.Read.All'];
const SERVICE_APPS = new Set<string>(Object.values(SERVICE_APP_IDS));

async function authorize(deps: ManagementDeps, request: FastifyRequest): Promise<FeedReader> {
  const claims = await deps.graphTokens.verifyHeader(request.headers.authorization);
  const service = typeof claims.azp === 'string' && SERVICE_APPS.has(claims.azp) && claims.idtyp !== 'user';
  if (!service) requireRole(claims, READ_ROLES);
  return { tenantId: claims.tid, includeTenantless: service };
}

export async function managementEventRoutes(app: FastifyInstance, deps: ManagementDeps): Promise<void> {
  await app.register(eventFeedRoutes, {
    path: EVENT_FEED_PATHS.management,
    service: 'management',
    store: deps.events.store,
    authorize: (request) => authorize(deps, request),
    publicUrl: () => deps.urls.management,
  });
}
