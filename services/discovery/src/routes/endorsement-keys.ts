/**
 * `POST /ztd/v1/endorsement-keys/lookup`: identity's question during TPM attestation. Only
 * identity's own application may ask, and only about its token's tenant.
 */
import { DISCOVERY_PATHS, SERVICE_APP_IDS } from '@baton/contracts';
import { GraphError } from '@baton/kit';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { lookupEndorsementKey } from '../domain/endorsement-keys.js';
import type { DiscoveryPluginOptions } from './context.js';

const Body = Type.Object({ ekPublicKey: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false });

export const endorsementKeyRoutes: FastifyPluginAsync<DiscoveryPluginOptions> = async (app, options) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tenants = new WeakMap<FastifyRequest, string>();
  r.post(
    DISCOVERY_PATHS.endorsementKeyLookup,
    {
      schema: { body: Body },
      bodyLimit: 16 * 1024,
      preValidation: async (request) => {
        const claims = await options.verifier.verifyHeader(request.headers.authorization);
        if (claims.idtyp !== 'app' || claims.azp !== SERVICE_APP_IDS.identity) {
          throw new GraphError(403, 'Authorization_RequestDenied', "Only identity's application may look endorsement keys up.");
        }
        tenants.set(request, claims.tid.toLowerCase());
      },
    },
    async (request) => lookupEndorsementKey(options.deps, tenants.get(request)!, request.body.ekPublicKey),
  );
};
