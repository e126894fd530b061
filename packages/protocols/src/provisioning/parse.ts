import { fail } from '../errors.js';
import { parseXml } from '../xml/parse.js';
import { attr, elements, type XmlElement } from '../xml/tree.js';
import type { DmClientParm, ParsedProvisioningDoc, PollSettings } from './types.js';

const characteristics = (parent: XmlElement) => elements(parent, 'characteristic');
const typeOf = (c: XmlElement) => attr(c, 'type') ?? '';
const parms = (parent: XmlElement) => elements(parent, 'parm');

function parmValue(parent: XmlElement, name: string): string | undefined {
  for (const p of parms(parent)) if (attr(p, 'name') === name) return attr(p, 'value') ?? '';
  return undefined;
}

function intParm(parent: XmlElement, name: string): number | undefined {
  const raw = parmValue(parent, name);
  if (raw === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(raw.trim())) fail('provisioning.parm', `${name} is not a non-negative integer`);
  return Number(raw.trim());
}

function boolParm(parent: XmlElement, name: string): boolean | undefined {
  const raw = parmValue(parent, name);
  return raw === undefined ? undefined : raw.trim().toLowerCase() === 'true';
}

const POLL_FIELDS: Array<[keyof PollSettings, string]> = [
  ['intervalForFirstSetOfRetriesMinutes', 'IntervalForFirstSetOfRetries'],
  ['numberOfFirstRetries', 'NumberOfFirstRetries'],
  ['intervalForSecondSetOfRetriesMinutes', 'IntervalForSecondSetOfRetries'],
  ['numberOfSecondRetries', 'NumberOfSecondRetries'],
  ['intervalForRemainingScheduledRetriesMinutes', 'IntervalForRemainingScheduledRetries'],
  ['numberOfRemainingScheduledRetries', 'NumberOfRemainingScheduledRetries'],
];

/** Reads what a device agent needs from a wap-provisioningdoc; unknown characteristics are ignored. */
export function parseProvisioningDoc(xml: string): ParsedProvisioningDoc {
  const root = parseXml(xml, { maxBytes: 256 * 1024 });
  if (root.name !== 'wap-provisioningdoc') fail('provisioning.root', `root element is ${root.name}, not wap-provisioningdoc`);
  const out: ParsedProvisioningDoc = {
    rootCertificates: [],
    clientCertificates: [],
    application: { providerId: '', name: '', addr: '', appAuth: [] },
    poll: {},
    dmClientParms: [],
  };
  let sawApplication = false;
  for (const top of characteristics(root)) {
    const kind = typeOf(top);
    if (kind === 'CertificateStore') {
      for (const storeKind of characteristics(top)) {
        for (const store of characteristics(storeKind)) {
          if (typeOf(storeKind) === 'My' && typeOf(store) === 'WSTEP') {
            for (const renew of characteristics(store)) {
              if (typeOf(renew) !== 'Renew') continue;
              out.renew = { robotSupport: boolParm(renew, 'ROBOSupport') ?? false };
              const period = intParm(renew, 'RenewPeriod');
              const retry = intParm(renew, 'RetryInterval');
              if (period !== undefined) out.renew.renewPeriodDays = period;
              if (retry !== undefined) out.renew.retryIntervalDays = retry;
            }
            continue;
          }
          for (const cert of characteristics(store)) {
            const base64 = parmValue(cert, 'EncodedCertificate');
            if (base64 === undefined) continue;
            if (typeOf(storeKind) === 'Root') out.rootCertificates.push({ thumbprint: typeOf(cert), base64 });
            else if (typeOf(storeKind) === 'My') out.clientCertificates.push({ store: typeOf(store), thumbprint: typeOf(cert), base64 });
          }
        }
      }
    } else if (kind === 'APPLICATION' && (parmValue(top, 'APPID') ?? 'w7') === 'w7') {
      // A renewal answer names the account by PROVIDER-ID alone, without APPID.
      sawApplication = true;
      const app = out.application;
      app.providerId = parmValue(top, 'PROVIDER-ID') ?? '';
      app.name = parmValue(top, 'NAME') ?? '';
      app.addr = parmValue(top, 'ADDR') ?? '';
      const encoding = parmValue(top, 'DEFAULTENCODING');
      const criteria = parmValue(top, 'SSLCLIENTCERTSEARCHCRITERIA');
      if (encoding !== undefined) app.defaultEncoding = encoding;
      if (criteria !== undefined) app.sslClientCertSearchCriteria = criteria;
      for (const auth of characteristics(top)) {
        if (typeOf(auth) !== 'APPAUTH') continue;
        app.appAuth.push(Object.fromEntries(parms(auth).map((p) => [attr(p, 'name') ?? '', attr(p, 'value') ?? ''])));
      }
    } else if (kind === 'DMClient') {
      for (const provider of characteristics(top)) {
        if (typeOf(provider) !== 'Provider') continue;
        for (const account of characteristics(provider)) {
          out.dmClientParms = parms(account).map((p): DmClientParm => ({ name: attr(p, 'name') ?? '', value: attr(p, 'value') ?? '', datatype: attr(p, 'datatype') ?? '' }));
          for (const poll of characteristics(account)) {
            if (typeOf(poll) !== 'Poll') continue;
            for (const [field, name] of POLL_FIELDS) {
              const value = intParm(poll, name);
              if (value !== undefined) (out.poll as Record<string, number>)[field] = value;
            }
            const onLogin = boolParm(poll, 'PollOnLogin');
            const allUsers = boolParm(poll, 'AllUsersPollOnFirstLogin');
            if (onLogin !== undefined) out.poll.pollOnLogin = onLogin;
            if (allUsers !== undefined) out.poll.allUsersPollOnFirstLogin = allUsers;
          }
        }
      }
    }
  }
  if (!sawApplication) fail('provisioning.application', 'no w7 APPLICATION characteristic');
  return out;
}
