/**
 * Identity's question to discovery during TPM attestation: which registration of the tenant
 * holds this endorsement key, and is its profile self-deploying? Discovery owns
 * registrations, so identity asks over HTTPS with its own application's token.
 */
import { DISCOVERY_PATHS, GRAPH_RESOURCE, type EndorsementKeyLookupResponse } from '@baton/contracts';
import type { Fetch, ServiceTokenClient } from '@baton/kit';

export interface EndorsementKeyDirectory {
  /** Undefined when no registration of the tenant holds the key; throws when discovery cannot answer. */
  lookup(tenantId: string, ekPublicKey: string, traceparent?: string): Promise<EndorsementKeyLookupResponse | undefined>;
}

export class EndorsementKeyDirectoryUnavailable extends Error {
  override name = 'EndorsementKeyDirectoryUnavailable';
}

export function discoveryEndorsementKeys(discoveryUrl: () => string, tokens: () => ServiceTokenClient, fetch: () => Fetch): EndorsementKeyDirectory {
  return {
    async lookup(tenantId, ekPublicKey, traceparent) {
      let response: Response;
      try {
        const token = await tokens().token(tenantId, `${GRAPH_RESOURCE}/.default`);
        response = await fetch()(`${discoveryUrl().replace(/\/+$/, '')}${DISCOVERY_PATHS.endorsementKeyLookup}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(traceparent ? { traceparent } : {}) },
          body: JSON.stringify({ ekPublicKey }),
        });
      } catch (error) {
        throw new EndorsementKeyDirectoryUnavailable(error instanceof Error ? error.message : String(error));
      }
      if (response.status === 404) {
        await response.body?.cancel();
        return undefined;
      }
      const body = (await response.json().catch(() => undefined)) as Partial<EndorsementKeyLookupResponse> | undefined;
      if (!response.ok || typeof body?.ztdId !== 'string' || body.tenantId?.toLowerCase() !== tenantId.toLowerCase()) {
        throw new EndorsementKeyDirectoryUnavailable(`discovery answered ${response.status}`);
      }
      return {
        ztdId: body.ztdId,
        tenantId: body.tenantId,
        deviceUsageType: body.deviceUsageType ?? null,
        preprovisioningAllowed: body.preprovisioningAllowed === true,
        profileId: body.profileId ?? null,
      };
    },
  };
}
