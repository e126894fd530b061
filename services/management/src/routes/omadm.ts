import { MANAGEMENT_PATHS } from '@baton/contracts';
import { mapFrameworkError, traceIdOfHeaders } from '@baton/kit';
import { AlertCode, buildSyncML, isXmlSafe, parseSyncML, ProtocolParseError, SYNCML_CONTENT_TYPE } from '@baton/protocols';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ManagementDeps } from '../deps.js';
import { recordCommandFailures, recordComplianceVerdict, recordRejectedMessage, sessionEndedEvent } from '../events/observe.js';
import { learnPrimaryUser } from '../enrollment/primary-user.js';
import { authenticateDevice } from '../session/authenticate.js';
import { ClientCertificateVerifier, peerCertificate } from '../session/client-certificates.js';
import { rejectMessage, runSession } from '../session/engine.js';
import { messageAnswered, planSession } from '../session/planners.js';

/** Slightly above the codec's own 512 KiB bound, so the codec is the one that says no. */
export const SYNCML_BODY_LIMIT = 600 * 1024;

class SyncMLRequestError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * OMA-DM answers bad transport-level input with a plain 4xx: a body that does not parse
 * has no SyncHdr to put a Status against.
 */
export function syncmlErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const send = (status: number, text: string) => reply.code(status).header('content-type', 'text/plain; charset=utf-8').send(text);
  if (error instanceof SyncMLRequestError) return send(error.statusCode, error.message);
  if (error instanceof ProtocolParseError) return send(400, `Malformed SyncML (${error.code}): ${error.message}`);
  const mapped = mapFrameworkError(error);
  if (mapped) return send(mapped.status, mapped.message);
  request.log.error({ err: error }, 'OMA-DM session failed');
  return send(500, 'The management service could not process the message.');
}

export async function omadmRoutes(app: FastifyInstance, deps: ManagementDeps): Promise<void> {
  // Built on first use: the CA may be created only when the service starts.
  let certificates: ClientCertificateVerifier | undefined;
  app.post(MANAGEMENT_PATHS.omadm, { bodyLimit: SYNCML_BODY_LIMIT }, async (request, reply) => {
    const contentType = String(request.headers['content-type'] ?? '').toLowerCase();
    if (contentType.includes('wbxml')) throw new SyncMLRequestError(415, 'WBXML is not supported; send application/vnd.syncml.dm+xml.');
    if (typeof request.body !== 'string' || request.body.length === 0) {
      throw new SyncMLRequestError(400, 'Expected a SyncML document (application/vnd.syncml.dm+xml).');
    }
    const body = request.body;
    // The codec lets raw non-XML characters through in text; the reply echoes header values, so refuse them here.
    if (!isXmlSafe(body)) throw new SyncMLRequestError(400, 'The body contains characters XML 1.0 does not allow.');
    const message = parseSyncML(body);
    const serverUrl = `${deps.urls.management}${MANAGEMENT_PATHS.omadm}`;
    certificates ??= new ClientCertificateVerifier((await deps.authority()).certPem);
    const presented = peerCertificate(request.raw.socket);
    const auth = await authenticateDevice({ store: deps.store, certificates, secrets: deps.secrets }, message, presented);

    let replyMessage;
    if (!auth.ok) {
      request.log.info({ device: message.header.source.slice(0, 128), status: auth.status, reason: auth.reason }, 'OMA-DM message rejected');
      replyMessage = rejectMessage(message, auth.status, serverUrl, auth.chal);
      // 407 is the digest handshake's opening challenge, not a failure worth an event.
      if (auth.status !== '407') await recordRejectedMessage(deps, request, message, { status: auth.status, reason: auth.reason, ...(presented ? { certPem: presented.toString() } : {}) });
    } else {
      const sessionAuth =
        auth.method === 'digest'
          ? { method: auth.method, ...(auth.headerStatus ? { headerStatus: auth.headerStatus } : {}), ...(auth.chal ? { chal: auth.chal } : {}) }
          : { method: auth.method };
      const opensSession = message.commands.some((c) => c.kind === 'Alert' && (c.data === AlertCode.ClientInitiatedSession || c.data === AlertCode.ServerInitiatedSession));
      const traceId = traceIdOfHeaders(request.headers);
      // A device enrolled alone learns its user from the token its sessions carry, before anything is planned for it.
      const learned = opensSession && (await learnPrimaryUser(deps, auth.enrollment, message));
      // What is due was read with the certificate's enrollment, unless learning the user started its account setup since.
      const knownDue = auth.method === 'certificate' && !learned ? auth.due : undefined;
      const plan = await planSession(deps, auth.enrollment, opensSession, traceId, request.log, knownDue);
      const input = { message, enrollment: auth.enrollment, rawBody: body, serverUrl, auth: sessionAuth, nothingQueued: plan.nothingQueued };
      const outcome = await deps.store.transaction(async (tx) => {
        const done = await runSession(tx, input);
        if (done.complete && !done.refused && !done.idle) await tx.appendEvents([sessionEndedEvent(traceId, message, auth.enrollment, done)]);
        return done;
      });
      if (outcome.refused) {
        request.log.info({ enrollmentId: auth.enrollment.id, status: outcome.refused.status, reason: outcome.refused.reason }, 'OMA-DM message refused');
        await recordRejectedMessage(deps, request, message, { ...outcome.refused, enrollment: auth.enrollment });
        return reply.code(200).header('content-type', SYNCML_CONTENT_TYPE).send(buildSyncML(outcome.reply));
      }
      await messageAnswered(deps, plan, auth.enrollment, message, outcome, traceId, request.log);
      // Compliance is re-evaluated on what the device just reported; its failure must not cost the device its reply.
      if (outcome.reported) {
        const evaluated = await deps.compliance.factsReported(auth.enrollment, outcome.reported, new Date().toISOString()).catch((error: unknown) => {
          request.log.warn({ enrollmentId: auth.enrollment.id, err: String(error) }, 'compliance evaluation failed');
          return false;
        });
        if (evaluated) await recordComplianceVerdict(deps, request, auth.enrollment);
      }
      request.log.info(
        { enrollmentId: auth.enrollment.id, session: message.header.sessionId, msg: message.header.msgId, sent: outcome.sent, complete: outcome.complete, state: outcome.state },
        'OMA-DM message',
      );
      await recordCommandFailures(deps, traceId, message, auth.enrollment);
      replyMessage = outcome.reply;
    }
    return reply.code(200).header('content-type', SYNCML_CONTENT_TYPE).send(buildSyncML(replyMessage));
  });
}
