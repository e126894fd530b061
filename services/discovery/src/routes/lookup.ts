import { DISCOVERY_PATHS } from '@baton/contracts';
import { graphErrorHandler, mapFrameworkError } from '@baton/kit';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { lookupDevice } from '../domain/lookup.js';
import { discoveryErrors } from '../errors.js';
import { traceOf, type DiscoveryPluginOptions } from './context.js';

const LookupBody = Type.Object(
  {
    hardwareHash: Type.Optional(Type.String({ minLength: 1, maxLength: 16_384 })),
    serialNumber: Type.Optional(Type.String({ maxLength: 256 })),
    manufacturer: Type.Optional(Type.String({ maxLength: 256 })),
    model: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: true },
);

/** No bearer token: the hardware hash (or the OEM's tuple) is the device's credential. */
export const lookupRoutes: FastifyPluginAsync<DiscoveryPluginOptions> = async (app, options) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  // chain.md names one code for every malformed lookup, whichever layer noticed it.
  r.setErrorHandler(function (error, request, reply) {
    const mapped = mapFrameworkError(error);
    if (mapped && mapped.status === 400) {
      return graphErrorHandler.call(this, discoveryErrors.invalidRequest(mapped.message), request, reply);
    }
    return graphErrorHandler.call(this, error, request, reply);
  });

  r.post(DISCOVERY_PATHS.lookup, { schema: { body: LookupBody }, bodyLimit: 64 * 1024 }, async (request) =>
    lookupDevice(options.deps, request.body, traceOf(request)),
  );
};
