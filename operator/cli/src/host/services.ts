/** The three services by name; the host composes them without knowing their insides. */
import type { ServiceName } from '@baton/contracts';
import type { ServiceContext, ServiceRuntime } from '@baton/kit';
import { createDiscoveryService } from '@baton/discovery';
import { createIdentityService, type IdentityRuntime } from '@baton/identity';
import { createManagementService } from '@baton/management';

export type { IdentityRuntime };

export const SERVICE_FACTORIES: Record<ServiceName, (ctx: ServiceContext) => Promise<ServiceRuntime>> = {
  discovery: createDiscoveryService,
  identity: createIdentityService,
  management: createManagementService,
};
