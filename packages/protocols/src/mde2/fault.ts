import { el, escapeXml } from '../xml/escape.js';
import { childText, elements, path } from '../xml/tree.js';
import { buildEnvelope, parseEnvelope } from './envelope.js';
import { ACTION, NS } from './namespaces.js';

export type SoapFaultCode = 'Sender' | 'Receiver';

export type SoapFaultSubcode =
  | 'messageformat'
  | 'authentication'
  | 'authorization'
  | 'certificaterequest'
  | 'enrollmentserver'
  | 'internalservicefault'
  | 'invalidsecurity'
  | 'devicenotsupported';

export interface SoapFaultInput {
  relatesTo?: string;
  action?: string;
  code: SoapFaultCode;
  subcode: SoapFaultSubcode;
  reason: string;
  activityId?: string;
  /** MS-MDE2 DeviceEnrollmentServiceError/ErrorType, shown by Windows in some error pages. */
  errorType?: string;
}

export interface SoapFault {
  code: string;
  subcode: string;
  reason: string;
}

/**
 * MS-MDE2 fault: the subcode is a QName in the enrollment namespace, except InvalidSecurity,
 * which is the WS-Addressing/WS-Security fault and keeps the `a:` prefix.
 */
export function buildSoapFault(input: SoapFaultInput): string {
  const subcode =
    input.subcode === 'invalidsecurity'
      ? '<s:Value>a:invalidsecurity</s:Value>'
      : `<s:Value xmlns:e="${NS.enrollment}">e:${input.subcode}</s:Value>`;
  const detail =
    input.errorType !== undefined
      ? `<s:Detail><DeviceEnrollmentServiceError xmlns="${NS.enrollment}">${el('ErrorType', input.errorType)}${el('Message', input.reason)}</DeviceEnrollmentServiceError></s:Detail>`
      : '';
  const body =
    `<s:Fault><s:Code><s:Value>s:${input.code}</s:Value><s:Subcode>${subcode}</s:Subcode></s:Code>` +
    `<s:Reason><s:Text xml:lang="en-US">${escapeXml(input.reason)}</s:Text></s:Reason>${detail}</s:Fault>`;
  return buildEnvelope({ action: input.action ?? ACTION.fault, activityId: input.activityId, relatesTo: input.relatesTo, bodyXml: body });
}

const localName = (qname: string) => qname.slice(qname.lastIndexOf(':') + 1);

/** The fault carried by an envelope, or null when the body is not a Fault. */
export function parseSoapFault(xml: string): SoapFault | null {
  const env = parseEnvelope(xml);
  const fault = elements(env.body)[0];
  if (!fault || fault.name !== 'Fault') return null;
  return {
    code: localName(childText(fault, 'Code', 'Value') ?? ''),
    subcode: localName(childText(fault, 'Code', 'Subcode', 'Value') ?? '').toLowerCase(),
    reason: (path(fault, 'Reason', 'Text') ? childText(fault, 'Reason', 'Text') : childText(fault, 'Reason')) ?? '',
  };
}
