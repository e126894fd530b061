/** What the three MS-MDE2 endpoints share: reading the body, answering, and faulting. */
import { mapFrameworkError } from '@baton/kit';
import { buildSoapFault, isXmlSafe, ProtocolParseError, SOAP_CONTENT_TYPE, DEFAULT_MAX_SOAP_BYTES } from '@baton/protocols';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EnrollmentFault, FAULTS, type FaultKind } from '../errors.js';

export const SOAP_BODY_LIMIT = DEFAULT_MAX_SOAP_BYTES;

export function soapText(request: FastifyRequest): string {
  if (typeof request.body !== 'string' || request.body.length === 0) {
    throw new EnrollmentFault('messageFormat', 'Expected a SOAP 1.2 envelope (application/soap+xml).');
  }
  // The codec tolerates raw non-XML characters in text, but nothing built from them could be written back out.
  if (!isXmlSafe(request.body)) throw new EnrollmentFault('messageFormat', 'The body contains characters XML 1.0 does not allow.');
  return request.body;
}

// eslint-disable-next-line no-control-regex -- these are exactly the characters XML cannot carry
const NON_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const MAX_REASON = 500;

/** Fault reasons may quote the peer's input; keep them short and writable as XML. */
function faultReason(reason: string): string {
  return reason.slice(0, MAX_REASON).replace(NON_XML, '\uFFFD');
}

export function sendSoap(reply: FastifyReply, xml: string, status = 200): FastifyReply {
  return reply.code(status).header('content-type', SOAP_CONTENT_TYPE).send(xml);
}

function sendFault(request: FastifyRequest, reply: FastifyReply, kind: FaultKind, reason: string, httpStatus = kind.httpStatus): FastifyReply {
  const xml = buildSoapFault({
    code: kind.code,
    subcode: kind.subcode,
    reason: faultReason(reason),
    activityId: request.id,
    ...(kind.errorType !== undefined ? { errorType: kind.errorType } : {}),
  });
  return sendSoap(reply, xml, httpStatus);
}

/**
 * Error handler of the SOAP scope: every failure, including the framework's own (wrong
 * content type, oversize body), reaches the device as an MS-MDE2 fault it can show.
 */
export function soapErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof EnrollmentFault) {
    request.log.info({ fault: error.kind, reason: error.message }, 'enrollment fault');
    return sendFault(request, reply, error.fault, error.message);
  }
  if (error instanceof ProtocolParseError) return sendFault(request, reply, FAULTS.messageFormat, error.message);
  const mapped = mapFrameworkError(error);
  if (mapped) return sendFault(request, reply, FAULTS.messageFormat, mapped.message, mapped.status);
  request.log.error({ err: error }, 'enrollment endpoint failed');
  return sendFault(request, reply, FAULTS.internal, 'The enrollment service could not complete the request.');
}
