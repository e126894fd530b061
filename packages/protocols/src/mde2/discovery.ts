import { fail } from '../errors.js';
import { el } from '../xml/escape.js';
import { child, childText, elements, textOf } from '../xml/tree.js';
import { bodyPayload, buildEnvelope, parseEnvelope, requireMessageId } from './envelope.js';
import { ACTION, NS } from './namespaces.js';

export type AuthPolicy = 'OnPremise' | 'Federated' | 'Certificate';

export interface DiscoverRequest {
  messageId: string;
  to?: string;
  emailAddress: string;
  requestVersion: string;
  deviceType: string;
  applicationVersion: string;
  osEdition: string;
  authPolicies: string[];
}

export interface DiscoverResponse {
  relatesTo: string;
  authPolicy: AuthPolicy;
  enrollmentVersion: string;
  enrollmentPolicyServiceUrl: string;
  enrollmentServiceUrl: string;
  authenticationServiceUrl?: string;
  activityId?: string;
}

export function buildDiscoverRequest(req: DiscoverRequest): string {
  const policies = req.authPolicies.map((p) => el('AuthPolicy', p)).join('');
  const body =
    `<Discover xmlns="${NS.discovery}"><request xmlns:i="${NS.xsi}">` +
    el('EmailAddress', req.emailAddress) +
    el('RequestVersion', req.requestVersion) +
    el('DeviceType', req.deviceType) +
    el('ApplicationVersion', req.applicationVersion) +
    el('OSEdition', req.osEdition) +
    `<AuthPolicies>${policies}</AuthPolicies></request></Discover>`;
  return buildEnvelope({ action: ACTION.discover, messageId: req.messageId, to: req.to, bodyXml: body });
}

export function parseDiscoverRequest(xml: string): DiscoverRequest {
  const env = parseEnvelope(xml);
  const request = child(bodyPayload(env, 'Discover'), 'request');
  if (!request) fail('mde2.discover', 'Discover has no request element');
  const out: DiscoverRequest = {
    messageId: requireMessageId(env),
    emailAddress: childText(request, 'EmailAddress') ?? '',
    requestVersion: childText(request, 'RequestVersion') ?? '',
    deviceType: childText(request, 'DeviceType') ?? '',
    applicationVersion: childText(request, 'ApplicationVersion') ?? '',
    osEdition: childText(request, 'OSEdition') ?? '',
    authPolicies: elements(child(request, 'AuthPolicies') ?? request, 'AuthPolicy').map((p) => textOf(p).trim()),
  };
  if (env.to !== undefined) out.to = env.to;
  return out;
}

export function buildDiscoverResponse(res: DiscoverResponse): string {
  let result =
    el('AuthPolicy', res.authPolicy) +
    el('EnrollmentVersion', res.enrollmentVersion) +
    el('EnrollmentPolicyServiceUrl', res.enrollmentPolicyServiceUrl) +
    el('EnrollmentServiceUrl', res.enrollmentServiceUrl);
  if (res.authenticationServiceUrl !== undefined) result += el('AuthenticationServiceUrl', res.authenticationServiceUrl);
  const body = `<DiscoverResponse xmlns="${NS.discovery}"><DiscoverResult>${result}</DiscoverResult></DiscoverResponse>`;
  return buildEnvelope({ action: ACTION.discoverResponse, activityId: res.activityId, relatesTo: res.relatesTo, bodyXml: body });
}

const AUTH_POLICIES = new Set<string>(['OnPremise', 'Federated', 'Certificate']);

export function parseDiscoverResponse(xml: string): DiscoverResponse {
  const env = parseEnvelope(xml);
  const result = child(bodyPayload(env, 'DiscoverResponse'), 'DiscoverResult');
  if (!result) fail('mde2.discover', 'DiscoverResponse has no DiscoverResult');
  const authPolicy = childText(result, 'AuthPolicy') ?? '';
  if (!AUTH_POLICIES.has(authPolicy)) fail('mde2.authpolicy', `unknown AuthPolicy ${authPolicy}`);
  const out: DiscoverResponse = {
    relatesTo: env.relatesTo ?? '',
    authPolicy: authPolicy as AuthPolicy,
    enrollmentVersion: childText(result, 'EnrollmentVersion') ?? '',
    enrollmentPolicyServiceUrl: childText(result, 'EnrollmentPolicyServiceUrl') ?? '',
    enrollmentServiceUrl: childText(result, 'EnrollmentServiceUrl') ?? '',
  };
  const authUrl = childText(result, 'AuthenticationServiceUrl');
  if (authUrl !== undefined) out.authenticationServiceUrl = authUrl;
  if (env.activityId !== undefined) out.activityId = env.activityId;
  return out;
}
