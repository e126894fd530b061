import { fail } from '../errors.js';
import { el, escapeXml } from '../xml/escape.js';
import { child, childText, elements, path, textOf, type XmlElement } from '../xml/tree.js';
import {
  bodyPayload,
  buildBinarySecurityToken,
  buildEnvelope,
  parseEnvelope,
  readSecurityHeader,
  requireMessageId,
  type BinarySecurityToken,
  type UsernameToken,
} from './envelope.js';
import { ACTION, NS } from './namespaces.js';

export interface GetPoliciesRequest {
  messageId: string;
  to?: string;
  binarySecurityToken?: BinarySecurityToken;
  usernameToken?: UsernameToken;
}

export interface PolicyOid {
  value: string;
  group: number;
  referenceId: number;
  defaultName?: string;
}

export interface GetPoliciesResponseInput {
  relatesTo: string;
  minimalKeyLength?: number;
  validityPeriodSeconds: number;
  renewalPeriodSeconds: number;
  commonName?: string;
  cryptoProviders?: string[];
  majorRevision?: number;
  minorRevision?: number;
}

export interface GetPoliciesResponse {
  relatesTo: string;
  policySchema: number;
  minimalKeyLength: number;
  validityPeriodSeconds: number;
  renewalPeriodSeconds: number;
  commonName?: string;
  cryptoProviders: string[];
  enroll: boolean;
  autoEnroll: boolean;
  /** OID value the policy points at through hashAlgorithmOIDReference, if resolvable. */
  hashAlgorithmOid?: string;
  /** OID value the policy points at through algorithmOIDReference, if resolvable. */
  keyAlgorithmOid?: string;
  oids: PolicyOid[];
}

export const OID = {
  sha256: { value: '2.16.840.1.101.3.4.2.1', group: 4, defaultName: 'szOID_NIST_sha256' },
  rsa: { value: '1.2.840.113549.1.1.1', group: 3, defaultName: 'szOID_RSA_RSA' },
} as const;

export const DEFAULT_CRYPTO_PROVIDERS = ['Microsoft Platform Crypto Provider', 'Microsoft Software Key Storage Provider'];

export function buildGetPoliciesRequest(req: GetPoliciesRequest): string {
  let security: string | undefined;
  if (req.binarySecurityToken) security = buildBinarySecurityToken(req.binarySecurityToken);
  else if (req.usernameToken) {
    security = `<wsse:UsernameToken u:Id="uuid-1">${el('wsse:Username', req.usernameToken.username)}<wsse:Password wsse:Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">${escapeXml(req.usernameToken.password)}</wsse:Password></wsse:UsernameToken>`;
  }
  const body = `<GetPolicies xmlns="${NS.policy}"><client><lastUpdate xsi:nil="true"/><preferredLanguage xsi:nil="true"/></client><requestFilter xsi:nil="true"/></GetPolicies>`;
  return buildEnvelope({ action: ACTION.getPolicies, messageId: req.messageId, to: req.to, securityXml: security, bodyXml: body });
}

export function parseGetPoliciesRequest(xml: string): GetPoliciesRequest {
  const env = parseEnvelope(xml);
  bodyPayload(env, 'GetPolicies');
  const out: GetPoliciesRequest = { messageId: requireMessageId(env) };
  if (env.to !== undefined) out.to = env.to;
  const security = readSecurityHeader(env);
  if (security.binarySecurityToken) out.binarySecurityToken = security.binarySecurityToken;
  if (security.usernameToken) out.usernameToken = security.usernameToken;
  return out;
}

const nil = (name: string) => `<${name} xsi:nil="true"/>`;

/**
 * One policy, schema 3, SHA-256 + RSA referenced through the oIDs table; every attribute a
 * Windows client does not need is sent as `xsi:nil` because an absent element fails its parser.
 */
export function buildGetPoliciesResponse(input: GetPoliciesResponseInput): string {
  const providers = (input.cryptoProviders ?? DEFAULT_CRYPTO_PROVIDERS).map((p) => el('provider', p)).join('');
  const attributes =
    el('commonName', input.commonName ?? 'Baton') +
    el('policySchema', '3') +
    `<certificateValidity>${el('validityPeriodSeconds', String(input.validityPeriodSeconds))}${el('renewalPeriodSeconds', String(input.renewalPeriodSeconds))}</certificateValidity>` +
    '<permission><enroll>true</enroll><autoEnroll>false</autoEnroll></permission>' +
    `<privateKeyAttributes>${el('minimalKeyLength', String(input.minimalKeyLength ?? 2048))}${nil('keySpec')}${nil('keyUsageProperty')}${nil('permissions')}<algorithmOIDReference>1</algorithmOIDReference><cryptoProviders>${providers}</cryptoProviders></privateKeyAttributes>` +
    `<revision>${el('majorRevision', String(input.majorRevision ?? 101))}${el('minorRevision', String(input.minorRevision ?? 0))}</revision>` +
    nil('supersededPolicies') + nil('privateKeyFlags') + nil('subjectNameFlags') + nil('enrollmentFlags') + nil('generalFlags') +
    '<hashAlgorithmOIDReference>0</hashAlgorithmOIDReference>' +
    nil('rARequirements') + nil('keyArchivalAttributes') + nil('extensions');
  const oid = (o: { value: string; group: number; defaultName: string }, ref: number) =>
    `<oID>${el('value', o.value)}${el('group', String(o.group))}${el('oIDReferenceID', String(ref))}${el('defaultName', o.defaultName)}</oID>`;
  const body =
    `<GetPoliciesResponse xmlns="${NS.policy}"><response><policyID/>${nil('policyFriendlyName')}${nil('nextUpdateHours')}${nil('policiesNotChanged')}` +
    `<policies><policy><policyOIDReference>0</policyOIDReference>${nil('cAs')}<attributes>${attributes}</attributes></policy></policies></response>` +
    `${nil('cAs')}<oIDs>${oid(OID.sha256, 0)}${oid(OID.rsa, 1)}</oIDs></GetPoliciesResponse>`;
  return buildEnvelope({ action: ACTION.getPoliciesResponse, relatesTo: input.relatesTo, bodyXml: body });
}

function int(element: XmlElement | undefined, ...names: string[]): number | undefined {
  const raw = childText(element, ...names);
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?[0-9]{1,15}$/.test(raw)) fail('mde2.policy', `${names.join('/')} is not an integer`);
  return Number(raw);
}

export function parseGetPoliciesResponse(xml: string): GetPoliciesResponse {
  const env = parseEnvelope(xml);
  const payload = bodyPayload(env, 'GetPoliciesResponse');
  const attributes = path(payload, 'response', 'policies', 'policy', 'attributes');
  if (!attributes) fail('mde2.policy', 'GetPoliciesResponse carries no policy attributes');
  const oids: PolicyOid[] = elements(child(payload, 'oIDs') ?? payload, 'oID').map((o) => {
    const entry: PolicyOid = { value: childText(o, 'value') ?? '', group: int(o, 'group') ?? 0, referenceId: int(o, 'oIDReferenceID') ?? 0 };
    const name = childText(o, 'defaultName');
    if (name !== undefined) entry.defaultName = name;
    return entry;
  });
  const byRef = (ref: number | undefined) => (ref === undefined ? undefined : oids.find((o) => o.referenceId === ref)?.value);
  const out: GetPoliciesResponse = {
    relatesTo: env.relatesTo ?? '',
    policySchema: int(attributes, 'policySchema') ?? 0,
    minimalKeyLength: int(attributes, 'privateKeyAttributes', 'minimalKeyLength') ?? 0,
    validityPeriodSeconds: int(attributes, 'certificateValidity', 'validityPeriodSeconds') ?? 0,
    renewalPeriodSeconds: int(attributes, 'certificateValidity', 'renewalPeriodSeconds') ?? 0,
    cryptoProviders: elements(path(attributes, 'privateKeyAttributes', 'cryptoProviders') ?? attributes, 'provider').map((p) => textOf(p).trim()),
    enroll: childText(attributes, 'permission', 'enroll') === 'true',
    autoEnroll: childText(attributes, 'permission', 'autoEnroll') === 'true',
    oids,
  };
  const commonName = childText(attributes, 'commonName');
  if (commonName !== undefined) out.commonName = commonName;
  const hash = byRef(int(attributes, 'hashAlgorithmOIDReference'));
  const key = byRef(int(attributes, 'privateKeyAttributes', 'algorithmOIDReference'));
  if (hash !== undefined) out.hashAlgorithmOid = hash;
  if (key !== undefined) out.keyAlgorithmOid = key;
  return out;
}
