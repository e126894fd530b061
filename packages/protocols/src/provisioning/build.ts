import { escapeXmlAttr } from '../xml/escape.js';
import type { ProvisioningDocInput } from './types.js';

export const DEFAULT_RENEW = { renewPeriodDays: 60, retryIntervalDays: 4 } as const;

const parm = (name: string, value?: string, datatype?: string) =>
  `<parm name="${escapeXmlAttr(name)}"${value !== undefined ? ` value="${escapeXmlAttr(value)}"` : ''}${datatype ? ` datatype="${escapeXmlAttr(datatype)}"` : ''}/>`;

const characteristic = (type: string, inner: string) => `<characteristic type="${escapeXmlAttr(type)}">${inner}</characteristic>`;

/**
 * wap-provisioningdoc 1.1 returned inside the RSTR: trust anchor, the issued client
 * certificate, the w7 DM account and the DMClient poll schedule.
 */
export function buildProvisioningDoc(input: ProvisioningDocInput): string {
  const renew = input.renew ?? DEFAULT_RENEW;
  const auth = input.appAuth ?? {
    clientName: input.providerId,
    clientSecret: 'unused',
    clientNonceBase64: 'AAAAAA==',
    serverName: input.providerId,
    serverSecret: 'unused',
    serverNonceBase64: 'AAAAAA==',
  };
  const root = characteristic('CertificateStore', characteristic('Root', characteristic('System', characteristic(input.rootCaThumbprint, parm('EncodedCertificate', input.rootCaBase64)))));
  const my = characteristic(
    'CertificateStore',
    characteristic(
      'My',
      characteristic(input.certStore, characteristic(input.clientCertThumbprint, parm('EncodedCertificate', input.clientCertBase64)) + characteristic('PrivateKeyContainer', '')) +
        characteristic(
          'WSTEP',
          characteristic('Renew', parm('ROBOSupport', 'true', 'boolean') + parm('RenewPeriod', String(renew.renewPeriodDays), 'integer') + parm('RetryInterval', String(renew.retryIntervalDays), 'integer')),
        ),
    ),
  );
  const application = characteristic(
    'APPLICATION',
    parm('APPID', 'w7') +
      parm('PROVIDER-ID', input.providerId) +
      parm('NAME', input.providerName) +
      parm('ADDR', input.managementUrl) +
      parm('CONNRETRYFREQ', '6') +
      parm('INITIALBACKOFFTIME', '30000') +
      parm('MAXBACKOFFTIME', '120000') +
      parm('BACKCOMPATRETRYDISABLED') +
      parm('DEFAULTENCODING', 'application/vnd.syncml.dm+xml') +
      (input.sslClientCertSearchCriteria !== undefined ? parm('SSLCLIENTCERTSEARCHCRITERIA', input.sslClientCertSearchCriteria) : '') +
      characteristic('APPAUTH', parm('AAUTHLEVEL', 'CLIENT') + parm('AAUTHTYPE', 'DIGEST') + parm('AAUTHNAME', auth.clientName) + parm('AAUTHSECRET', auth.clientSecret) + parm('AAUTHDATA', auth.clientNonceBase64)) +
      characteristic('APPAUTH', parm('AAUTHLEVEL', 'APPSRV') + parm('AAUTHTYPE', 'DIGEST') + parm('AAUTHNAME', auth.serverName) + parm('AAUTHSECRET', auth.serverSecret) + parm('AAUTHDATA', auth.serverNonceBase64)),
  );
  const p = input.poll;
  const poll = characteristic(
    'Poll',
    parm('IntervalForFirstSetOfRetries', String(p.intervalForFirstSetOfRetriesMinutes), 'integer') +
      parm('NumberOfFirstRetries', String(p.numberOfFirstRetries), 'integer') +
      parm('IntervalForSecondSetOfRetries', String(p.intervalForSecondSetOfRetriesMinutes), 'integer') +
      parm('NumberOfSecondRetries', String(p.numberOfSecondRetries), 'integer') +
      parm('IntervalForRemainingScheduledRetries', String(p.intervalForRemainingScheduledRetriesMinutes), 'integer') +
      parm('NumberOfRemainingScheduledRetries', String(p.numberOfRemainingScheduledRetries), 'integer') +
      parm('PollOnLogin', String(p.pollOnLogin), 'boolean') +
      (p.allUsersPollOnFirstLogin !== undefined ? parm('AllUsersPollOnFirstLogin', String(p.allUsersPollOnFirstLogin), 'boolean') : ''),
  );
  const extra = (input.extraDmClientParms ?? []).map((x) => parm(x.name, x.value, x.datatype)).join('');
  const dmClient = characteristic('DMClient', characteristic('Provider', characteristic(input.providerId, extra + poll)));
  return `<wap-provisioningdoc version="1.1">${root}${my}${application}${dmClient}</wap-provisioningdoc>`;
}

export interface RenewalProvisioningDocInput {
  rootCaThumbprint: string;
  rootCaBase64: string;
  clientCertThumbprint: string;
  clientCertBase64: string;
  certStore: ProvisioningDocInput['certStore'];
  providerId: string;
}

/**
 * The answer to a certificate renewal: only the new client certificate (with the trust
 * anchor) and the APPLICATION's PROVIDER-ID naming the account it belongs to (Microsoft
 * Learn, "Certificate Renewal": the provisioning XML only needs the new certificate). The DM
 * account, its digest credentials and the poll schedule stay as enrollment set them.
 */
export function buildRenewalProvisioningDoc(input: RenewalProvisioningDocInput): string {
  const root = characteristic('Root', characteristic('System', characteristic(input.rootCaThumbprint, parm('EncodedCertificate', input.rootCaBase64))));
  const my = characteristic(
    'My',
    characteristic(input.certStore, characteristic(input.clientCertThumbprint, parm('EncodedCertificate', input.clientCertBase64)) + characteristic('PrivateKeyContainer', '')),
  );
  return `<wap-provisioningdoc version="1.1">${characteristic('CertificateStore', root + my)}${characteristic('APPLICATION', parm('PROVIDER-ID', input.providerId))}</wap-provisioningdoc>`;
}
