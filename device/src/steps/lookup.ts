/** Step 1: discovery recognises the hardware hash and names identity (chain.md §1). */
import { DISCOVERY_PATHS, type DeviceLookupRequest, type DeviceLookupResponse } from '@baton/contracts';
import { json, postJson, requireString, requireUrl, type DeviceHttp } from '../http.js';

export interface LookupInput {
  /** Discovery's base URL: the only URL the device is configured with. */
  discoveryUrl: string;
  hardwareHash: string;
  serialNumber: string;
}

export interface LookupFacts {
  ztdId: string;
  tenantId: string;
  tenantDomain: string;
  authority: string;
  deviceRegistrationDiscoveryUrl: string;
  /** CloudAssignedDeviceName, e.g. DEMO-%SERIAL%. */
  deviceNameTemplate?: string;
  profileId: string;
  answer: DeviceLookupResponse;
}

export function lookupUrl(discoveryUrl: string): string {
  const trimmed = discoveryUrl.replace(/\/+$/, '');
  return trimmed.endsWith(DISCOVERY_PATHS.lookup) ? trimmed : trimmed + DISCOVERY_PATHS.lookup;
}

export async function lookup(http: DeviceHttp, input: LookupInput): Promise<LookupFacts> {
  const url = lookupUrl(input.discoveryUrl);
  const body: DeviceLookupRequest = { hardwareHash: input.hardwareHash, serialNumber: input.serialNumber };
  const answer = json<DeviceLookupResponse>('discovery', url, await postJson(http, 'discovery', url, body));
  const identity = answer?.identity;
  const facts: LookupFacts = {
    ztdId: requireString('discovery', 'ztdId', answer?.ztdId),
    tenantId: requireString('discovery', 'identity.tenantId', identity?.tenantId),
    tenantDomain: requireString('discovery', 'identity.tenantDomain', identity?.tenantDomain),
    authority: requireUrl('discovery', 'identity.authority', identity?.authority).replace(/\/+$/, ''),
    deviceRegistrationDiscoveryUrl: requireUrl('discovery', 'identity.deviceRegistrationDiscoveryUrl', identity?.deviceRegistrationDiscoveryUrl),
    profileId: answer.deploymentProfile?.id ?? '',
    answer,
  };
  const template = answer.deploymentProfile?.configuration?.CloudAssignedDeviceName;
  if (typeof template === 'string') facts.deviceNameTemplate = template;
  return facts;
}
