import { decodeBase64 } from '../encoding/base64.js';
import { fail } from '../errors.js';
import { el, escapeXml, escapeXmlAttr } from '../xml/escape.js';
import { attr, child, childText, elements, path } from '../xml/tree.js';
import {
  bodyPayload,
  buildBinarySecurityToken,
  buildEnvelope,
  parseEnvelope,
  readBinarySecurityToken,
  readSecurityHeader,
  requireMessageId,
  type BinarySecurityToken,
} from './envelope.js';
import { ACTION, NS, TOKEN } from './namespaces.js';

export interface RequestSecurityToken {
  messageId: string;
  to?: string;
  headerToken?: BinarySecurityToken;
  tokenType: string;
  requestType: string;
  binarySecurityToken: BinarySecurityToken;
  /** Context items by name; when a name repeats (MAC does) the last value wins. */
  additionalContext: Record<string, string>;
  /** Every context item in document order, duplicates kept. */
  contextItems: Array<[string, string]>;
}

export interface BuildRequestSecurityTokenInput {
  to?: string;
  messageId: string;
  headerToken?: { valueType: string; encodingType?: string; value: string };
  csrBase64: string;
  /** `#PKCS10` for a first enrollment (default), `#PKCS7` for renewal. */
  csrValueType?: string;
  requestType?: string;
  additionalContext: Array<[string, string]>;
}

export interface RequestSecurityTokenResponseInput {
  relatesTo: string;
  provisioningDocXml: string;
  requestId: string;
  now: Date;
  activityId?: string;
}

export interface RequestSecurityTokenResponse {
  relatesTo: string;
  tokenType: string;
  provisioningDocXml: string;
  requestId: string;
  created?: string;
  expires?: string;
}

export function buildRequestSecurityToken(input: BuildRequestSecurityTokenInput): string {
  const security = input.headerToken
    ? buildBinarySecurityToken({ valueType: input.headerToken.valueType, encodingType: input.headerToken.encodingType ?? TOKEN.base64Encoding, value: input.headerToken.value })
    : undefined;
  const items = input.additionalContext
    .map(([name, value]) => `<ac:ContextItem Name="${escapeXmlAttr(name)}">${el('ac:Value', value)}</ac:ContextItem>`)
    .join('');
  const body =
    '<wst:RequestSecurityToken>' +
    el('wst:TokenType', TOKEN.deviceEnrollmentToken) +
    el('wst:RequestType', input.requestType ?? TOKEN.issue) +
    buildBinarySecurityToken({ valueType: input.csrValueType ?? TOKEN.pkcs10, encodingType: TOKEN.base64Encoding, value: input.csrBase64 }) +
    `<ac:AdditionalContext xmlns="${NS.ac}">${items}</ac:AdditionalContext>` +
    '</wst:RequestSecurityToken>';
  return buildEnvelope({ action: ACTION.requestSecurityToken, messageId: input.messageId, to: input.to, securityXml: security, bodyXml: body });
}

export function parseRequestSecurityToken(xml: string): RequestSecurityToken {
  const env = parseEnvelope(xml);
  const rst = bodyPayload(env, 'RequestSecurityToken');
  const csr = readBinarySecurityToken(child(rst, 'BinarySecurityToken'));
  if (!csr || csr.value === '') fail('mde2.csr', 'RequestSecurityToken carries no BinarySecurityToken');
  const contextItems: Array<[string, string]> = [];
  for (const item of elements(child(rst, 'AdditionalContext') ?? rst, 'ContextItem')) {
    contextItems.push([attr(item, 'Name') ?? '', childText(item, 'Value') ?? '']);
  }
  const out: RequestSecurityToken = {
    messageId: requireMessageId(env),
    tokenType: childText(rst, 'TokenType') ?? '',
    requestType: childText(rst, 'RequestType') ?? '',
    binarySecurityToken: csr,
    // fromEntries defines own properties, so a hostile item named __proto__ cannot reach a prototype.
    additionalContext: Object.fromEntries(contextItems),
    contextItems,
  };
  if (env.to !== undefined) out.to = env.to;
  const header = readSecurityHeader(env).binarySecurityToken;
  if (header) out.headerToken = header;
  return out;
}

export function buildRequestSecurityTokenResponse(input: RequestSecurityTokenResponseInput): string {
  const fiveMinutes = 5 * 60 * 1000;
  const created = new Date(input.now.getTime() - fiveMinutes).toISOString();
  const expires = new Date(input.now.getTime() + fiveMinutes).toISOString();
  const security = `<u:Timestamp u:Id="_0">${el('u:Created', created)}${el('u:Expires', expires)}</u:Timestamp>`;
  const doc = Buffer.from(input.provisioningDocXml, 'utf8').toString('base64');
  const body =
    `<RequestSecurityTokenResponseCollection xmlns="${NS.wst}"><RequestSecurityTokenResponse>` +
    el('TokenType', TOKEN.deviceEnrollmentToken) +
    `<DispositionMessage xmlns="${NS.enrollment}"/>` +
    `<RequestedSecurityToken><BinarySecurityToken ValueType="${TOKEN.provisionDoc}" EncodingType="${TOKEN.base64Encoding}" xmlns="${NS.wsse}">${doc}</BinarySecurityToken></RequestedSecurityToken>` +
    `<RequestID xmlns="${NS.enrollment}">${escapeXml(input.requestId)}</RequestID>` +
    '</RequestSecurityTokenResponse></RequestSecurityTokenResponseCollection>';
  return buildEnvelope({ action: ACTION.requestSecurityTokenResponse, activityId: input.activityId, relatesTo: input.relatesTo, securityXml: security, bodyXml: body });
}

export function parseRequestSecurityTokenResponse(xml: string): RequestSecurityTokenResponse {
  const env = parseEnvelope(xml);
  const collection = bodyPayload(env, 'RequestSecurityTokenResponseCollection');
  const rstr = child(collection, 'RequestSecurityTokenResponse');
  if (!rstr) fail('mde2.rstr', 'collection holds no RequestSecurityTokenResponse');
  const token = readBinarySecurityToken(path(rstr, 'RequestedSecurityToken', 'BinarySecurityToken'));
  if (!token) fail('mde2.rstr', 'no RequestedSecurityToken/BinarySecurityToken');
  const out: RequestSecurityTokenResponse = {
    relatesTo: env.relatesTo ?? '',
    tokenType: childText(rstr, 'TokenType') ?? '',
    provisioningDocXml: decodeBase64(token.value, 'mde2.base64').toString('utf8'),
    requestId: childText(rstr, 'RequestID') ?? '',
  };
  const security = readSecurityHeader(env);
  if (security.created !== undefined) out.created = security.created;
  if (security.expires !== undefined) out.expires = security.expires;
  return out;
}
