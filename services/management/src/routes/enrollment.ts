import { MANAGEMENT_PATHS } from '@baton/contracts';
import { buildRequestSecurityTokenResponse, parseRequestSecurityToken, TOKEN } from '@baton/protocols';
import type { FastifyInstance } from 'fastify';
import type { ManagementDeps } from '../deps.js';
import { enrollDevice } from '../enrollment/enroll.js';
import { renewCertificate } from '../enrollment/renew.js';
import { authenticateDevice } from '../enrollment/token.js';
import { ClientCertificateVerifier, peerCertificate } from '../session/client-certificates.js';
import { noteEnrollment } from '../events/observe.js';
import { SOAP_BODY_LIMIT, sendSoap, soapText } from './soap.js';

export async function enrollmentRoutes(app: FastifyInstance, deps: ManagementDeps): Promise<void> {
  let certificates: ClientCertificateVerifier | undefined;
  app.post(MANAGEMENT_PATHS.enrollment, { bodyLimit: SOAP_BODY_LIMIT }, async (request, reply) => {
    const rst = parseRequestSecurityToken(soapText(request));
    if (rst.requestType === TOKEN.renew) {
      // Renewal authenticates by the current MDM certificate on TLS, not by a token.
      const authority = await deps.authority();
      certificates ??= new ClientCertificateVerifier(authority.certPem);
      const now = new Date();
      const renewed = await renewCertificate({ store: deps.store, authority, certificates, request: rst, peerCertificate: peerCertificate(request.raw.socket), now, validityDays: deps.certificateValidityDays });
      request.log.info({ enrollmentId: renewed.enrollment.id, previous: renewed.previousThumbprint, thumbprint: renewed.enrollment.certThumbprint }, 'MDM certificate renewed');
      return sendSoap(
        reply,
        buildRequestSecurityTokenResponse({ relatesTo: rst.messageId, activityId: request.id, provisioningDocXml: renewed.provisioningDocXml, requestId: '0', now }),
      );
    }
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
      validityDays: deps.certificateValidityDays,
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
