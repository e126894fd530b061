import { MANAGEMENT_PATHS } from '@baton/contracts';
import { buildRequestSecurityTokenResponse, parseRequestSecurityToken } from '@baton/protocols';
import type { FastifyInstance } from 'fastify';
import type { ManagementDeps } from '../deps.js';
import { enrollDevice } from '../enrollment/enroll.js';
import { authenticateDevice } from '../enrollment/token.js';
import { noteEnrollment } from '../events/observe.js';
import { SOAP_BODY_LIMIT, sendSoap, soapText } from './soap.js';

export async function enrollmentRoutes(app: FastifyInstance, deps: ManagementDeps): Promise<void> {
  app.post(MANAGEMENT_PATHS.enrollment, { bodyLimit: SOAP_BODY_LIMIT }, async (request, reply) => {
    const rst = parseRequestSecurityToken(soapText(request));
    const identity = await authenticateDevice(deps.enrollmentTokens, rst.headerToken);
    const now = new Date();
    const result = await enrollDevice({
      store: deps.store,
      authority: await deps.authority(),
      secrets: deps.secrets,
      identity,
      request: rst,
      managementUrl: `${deps.urls.management}${MANAGEMENT_PATHS.omadm}`,
      now,
    });
    noteEnrollment(request, result.enrollment);
    request.log.info(
      { enrollmentId: result.enrollment.id, deviceId: identity.deviceId, tenantId: identity.tenantId, replaced: result.replaced.length },
      'device enrolled',
    );
    const xml = buildRequestSecurityTokenResponse({
      relatesTo: rst.messageId,
      activityId: request.id,
      provisioningDocXml: result.provisioningDocXml,
      requestId: '0',
      now,
    });
    return sendSoap(reply, xml);
  });
}
