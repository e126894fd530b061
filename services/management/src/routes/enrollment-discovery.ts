import { MANAGEMENT_PATHS } from '@baton/contracts';
import { buildDiscoverResponse, parseDiscoverRequest, type AuthPolicy } from '@baton/protocols';
import type { FastifyInstance } from 'fastify';
import type { ManagementDeps } from '../deps.js';
import { SOAP_BODY_LIMIT, sendSoap, soapText } from './soap.js';

const MAX_ENROLLMENT_VERSION = 5;

/** min(requested, 5.0), written the way Windows writes versions ("4.0", "5.0"). */
export function negotiateEnrollmentVersion(requested: string): string {
  const value = /^\d{1,3}(\.\d{1,3})?$/.test(requested) ? Number(requested) : MAX_ENROLLMENT_VERSION;
  return value >= MAX_ENROLLMENT_VERSION ? MAX_ENROLLMENT_VERSION.toFixed(1) : value.toFixed(1);
}

export async function discoveryRoutes(app: FastifyInstance, deps: ManagementDeps): Promise<void> {
  // Windows probes the endpoint with a bare GET before it POSTs Discover.
  app.get(MANAGEMENT_PATHS.discovery, async (_request, reply) => reply.code(200).send(''));

  app.post(MANAGEMENT_PATHS.discovery, { bodyLimit: SOAP_BODY_LIMIT }, async (request, reply) => {
    const discover = parseDiscoverRequest(soapText(request));
    const federated = discover.authPolicies.includes('Federated');
    const authPolicy: AuthPolicy = federated ? 'Federated' : 'OnPremise';
    const base = deps.urls.management;
    const xml = buildDiscoverResponse({
      relatesTo: discover.messageId,
      activityId: request.id,
      authPolicy,
      enrollmentVersion: negotiateEnrollmentVersion(discover.requestVersion),
      enrollmentPolicyServiceUrl: `${base}${MANAGEMENT_PATHS.policy}`,
      enrollmentServiceUrl: `${base}${MANAGEMENT_PATHS.enrollment}`,
      ...(federated ? { authenticationServiceUrl: `${deps.urls.identity}/common/oauth2/v2.0/authorize` } : {}),
    });
    return sendSoap(reply, xml);
  });
}
