import { fail } from '../errors.js';
import { el, escapeXml, escapeXmlAttr } from '../xml/escape.js';
import { parseXml } from '../xml/parse.js';
import { attr, child, childText, elements, textOf, type XmlElement } from '../xml/tree.js';
import { ANONYMOUS_ADDRESS, NS } from './namespaces.js';

/** Enrollment envelopes are small; a CSR plus a JWT fits comfortably. */
export const DEFAULT_MAX_SOAP_BYTES = 256 * 1024;

export interface BinarySecurityToken {
  valueType: string;
  encodingType: string;
  value: string;
}

export interface UsernameToken {
  username: string;
  password: string;
}

export interface ParsedEnvelope {
  header?: XmlElement;
  body: XmlElement;
  action?: string;
  messageId?: string;
  relatesTo?: string;
  to?: string;
  activityId?: string;
}

export function parseEnvelope(xml: string, maxBytes = DEFAULT_MAX_SOAP_BYTES): ParsedEnvelope {
  const root = parseXml(xml, { maxBytes });
  if (root.name !== 'Envelope') fail('soap.envelope', `root element is ${root.name}, not Envelope`);
  const body = child(root, 'Body');
  if (!body) fail('soap.body', 'missing Body');
  const header = child(root, 'Header');
  const env: ParsedEnvelope = { body };
  if (header) {
    env.header = header;
    const fields = [['action', 'Action'], ['messageId', 'MessageID'], ['relatesTo', 'RelatesTo'], ['to', 'To'], ['activityId', 'ActivityId']] as const;
    for (const [key, name] of fields) {
      const value = childText(header, name);
      if (value !== undefined) env[key] = value;
    }
  }
  return env;
}

/** The single payload element of the body, which must be `name`; a Fault is reported as such. */
export function bodyPayload(env: ParsedEnvelope, name: string): XmlElement {
  const payload = elements(env.body)[0];
  if (!payload) fail('soap.body', 'empty Body');
  if (payload.name === 'Fault') fail('soap.fault', `peer returned a SOAP fault: ${childText(payload, 'Reason', 'Text') ?? ''}`);
  if (payload.name !== name) fail('soap.body', `expected ${name}, found ${payload.name}`);
  return payload;
}

export function requireMessageId(env: ParsedEnvelope): string {
  if (!env.messageId) fail('soap.messageid', 'missing wsa:MessageID');
  return env.messageId;
}

export function readBinarySecurityToken(element: XmlElement | undefined): BinarySecurityToken | undefined {
  if (!element) return undefined;
  return {
    valueType: attr(element, 'ValueType') ?? '',
    encodingType: attr(element, 'EncodingType') ?? '',
    value: textOf(element).trim(),
  };
}

export interface SecurityHeader {
  binarySecurityToken?: BinarySecurityToken;
  usernameToken?: UsernameToken;
  created?: string;
  expires?: string;
}

export function readSecurityHeader(env: ParsedEnvelope): SecurityHeader {
  const security = child(env.header, 'Security');
  const out: SecurityHeader = {};
  const token = readBinarySecurityToken(child(security, 'BinarySecurityToken'));
  if (token) out.binarySecurityToken = token;
  const username = child(security, 'UsernameToken');
  if (username) out.usernameToken = { username: childText(username, 'Username') ?? '', password: childText(username, 'Password') ?? '' };
  const created = childText(security, 'Timestamp', 'Created');
  const expires = childText(security, 'Timestamp', 'Expires');
  if (created !== undefined) out.created = created;
  if (expires !== undefined) out.expires = expires;
  return out;
}

export function buildBinarySecurityToken(token: BinarySecurityToken, prefix = 'wsse'): string {
  return `<${prefix}:BinarySecurityToken ValueType="${escapeXmlAttr(token.valueType)}" EncodingType="${escapeXmlAttr(token.encodingType)}">${escapeXml(token.value)}</${prefix}:BinarySecurityToken>`;
}

export interface EnvelopeParts {
  action: string;
  messageId?: string;
  relatesTo?: string;
  to?: string;
  activityId?: string;
  /** Inner XML of `wsse:Security`; the element is written only when present. */
  securityXml?: string;
  bodyXml: string;
}

/**
 * Writes a SOAP 1.2 envelope with the fixed prefixes Windows' own peers use (`s`, `a`, `u`,
 * `wsse`, `wst`, `ac`) declared on the root, so body fragments can use them freely.
 */
export function buildEnvelope(parts: EnvelopeParts): string {
  let header = `<a:Action s:mustUnderstand="1">${escapeXml(parts.action)}</a:Action>`;
  if (parts.messageId !== undefined) header += el('a:MessageID', parts.messageId);
  if (parts.activityId !== undefined) {
    header += `<ActivityId CorrelationId="${escapeXmlAttr(parts.activityId)}" xmlns="${NS.diagnostics}">${escapeXml(parts.activityId)}</ActivityId>`;
  }
  if (parts.relatesTo !== undefined) header += el('a:RelatesTo', parts.relatesTo);
  if (parts.messageId !== undefined) header += `<a:ReplyTo><a:Address>${ANONYMOUS_ADDRESS}</a:Address></a:ReplyTo>`;
  if (parts.to !== undefined) header += `<a:To s:mustUnderstand="1">${escapeXml(parts.to)}</a:To>`;
  if (parts.securityXml !== undefined) header += `<wsse:Security s:mustUnderstand="1">${parts.securityXml}</wsse:Security>`;
  const ns = `xmlns:s="${NS.soap}" xmlns:a="${NS.addressing}" xmlns:u="${NS.wsu}" xmlns:wsse="${NS.wsse}" xmlns:wst="${NS.wst}" xmlns:ac="${NS.ac}"`;
  return `<s:Envelope ${ns}><s:Header>${header}</s:Header><s:Body xmlns:xsi="${NS.xsi}" xmlns:xsd="${NS.xsd}">${parts.bodyXml}</s:Body></s:Envelope>`;
}
