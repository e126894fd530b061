import { MANAGEMENT_PATHS } from '@baton/contracts';
import { buildGetPoliciesResponse, DEFAULT_RENEW, parseGetPoliciesRequest } from '@baton/protocols';
import type { FastifyInstance } from 'fastify';
import type { ManagementDeps } from '../deps.js';
import { CLIENT_CERT_VALIDITY_DAYS } from '../enrollment/enroll.js';
import { authenticateDevice } from '../enrollment/token.js';
import { SOAP_BODY_LIMIT, sendSoap, soapText } from './soap.js';

const DAY_SECONDS = 86_400;

export async function policyRoutes(app: FastifyInstance, deps: ManagementDeps): Promise<void> {
  app.post(MANAGEMENT_PATHS.policy, { bodyLimit: SOAP_BODY_LIMIT }, async (request, reply) => {
    const getPolicies = parseGetPoliciesRequest(soapText(request));
    await authenticateDevice(deps.enrollmentTokens, getPolicies.binarySecurityToken);
    const xml = buildGetPoliciesResponse({
      relatesTo: getPolicies.messageId,
      minimalKeyLength: 2048,
      validityPeriodSeconds: Math.max(1, Math.round((deps.certificateValidityDays ?? CLIENT_CERT_VALIDITY_DAYS) * DAY_SECONDS)),
      renewalPeriodSeconds: DEFAULT_RENEW.renewPeriodDays * DAY_SECONDS,
    });
    return sendSoap(reply, xml);
  });
}
