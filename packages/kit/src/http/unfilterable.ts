import type { FastifyRequest } from 'fastify';
import { graphErrors } from './graph-error.js';

/**
 * preValidation for a Graph collection Baton cannot filter: a request with `$filter` is a 400
 * saying so, never the whole collection answered as if every object matched (a script that
 * filters, then acts on what it gets, would act on everything).
 */
export async function refuseFilter(request: FastifyRequest): Promise<void> {
  const query = (request.query ?? {}) as Record<string, unknown>;
  if (Object.keys(query).some((k) => k.toLowerCase() === '$filter')) {
    throw graphErrors.badRequest(`$filter is not supported on ${request.routeOptions.url ?? 'this collection'}; list it whole, or look the object up by id.`);
  }
}
