/** The device side of enrollment and OMA-DM, just enough to drive management in tests. */
import { randomUUID, webcrypto } from 'node:crypto';
import { x509 } from '@baton/kit';
import { buildRequestSecurityToken, buildSyncML, TOKEN, type SyncMLCommand, type SyncMLMessage } from '@baton/protocols';

const crypto = webcrypto as unknown as Crypto;

export interface TestKeyPair {
  csrBase64: string;
  privateKeyPem: string;
}

export async function makeCsr(commonName = 'B1C43CD0-1624-5FBB-8E54-34CF17DFD3A1', modulusLength = 2048, hash = 'SHA-256'): Promise<TestKeyPair> {
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash, publicExponent: new Uint8Array([1, 0, 1]), modulusLength };
  const keys = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${commonName}`, keys, signingAlgorithm: alg });
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { csrBase64: Buffer.from(csr.rawData).toString('base64'), privateKeyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}

export function rstXml(options: {
  token?: string;
  csrBase64: string;
  deviceId: string;
  hwDevId?: string;
  enrollmentType?: 'Full' | 'Device';
  /** Send the JWT as-is instead of base64 of it. */
  rawToken?: boolean;
}): string {
  return buildRequestSecurityToken({
    messageId: `urn:uuid:${randomUUID()}`,
    to: 'https://management.test/EnrollmentServer/Enrollment.svc',
    ...(options.token
      ? { headerToken: { valueType: TOKEN.jwt, value: options.rawToken ? options.token : Buffer.from(options.token).toString('base64') } }
      : {}),
    csrBase64: options.csrBase64,
    additionalContext: [
      ['UXInitiated', 'false'],
      ['HWDevID', options.hwDevId ?? 'A3F1C0FFEE0000000000000000000000000000000000000000000000000000AA'],
      ['Locale', 'en-US'],
      ['TargetedUserLoggedIn', 'true'],
      ['OSEdition', '4'],
      ['DeviceName', 'DEMO-5CG1234XYZ'],
      ['MAC', '00-15-5D-00-00-01'],
      ['DeviceID', options.deviceId],
      ['EnrollmentType', options.enrollmentType ?? 'Full'],
      ['DeviceType', 'CIMClient_Windows'],
      ['OSVersion', '10.0.22631.2861'],
      ['ApplicationVersion', '10.0.22631.2861'],
    ],
  });
}

export function syncml(deviceId: string, sessionId: string, msgId: string, commands: SyncMLCommand[], final = true): string {
  const message: SyncMLMessage = {
    header: {
      verDTD: '1.2',
      verProto: 'DM/1.2',
      sessionId,
      msgId,
      target: 'https://management.test/ManagementServer/MDM.svc',
      source: deviceId,
    },
    commands,
    final,
  };
  return buildSyncML(message);
}

/** Windows' package 1: session alert plus DevInfo, CmdIDs from 2. */
export function package1(deviceId: string, sessionId = '1', msgId = '1'): string {
  const devInfo = (node: string, data: string) => ({ source: `./DevInfo/${node}`, data });
  return syncml(deviceId, sessionId, msgId, [
    { kind: 'Alert', cmdId: '2', data: '1201', items: [] },
    { kind: 'Alert', cmdId: '3', data: '1224', items: [{ meta: { type: 'com.microsoft/MDM/LoginStatus', format: 'chr' }, data: 'others' }] },
    {
      kind: 'Replace',
      cmdId: '4',
      items: [devInfo('DevId', deviceId), devInfo('Man', 'Contoso Ltd'), devInfo('Mod', 'Virtual Machine'), devInfo('DmV', '1.3'), devInfo('Lang', 'en-US')],
    },
  ]);
}

/** The device's answer to the server's Gets: a 200 Status and a Results for each. */
export function answerGets(
  deviceId: string,
  sessionId: string,
  msgId: string,
  serverMsgId: string,
  gets: Array<{ cmdId: string; locUri: string }>,
  values: Record<string, string>,
): string {
  const commands: SyncMLCommand[] = [{ kind: 'Status', cmdId: '1', msgRef: serverMsgId, cmdRef: '0', cmd: 'SyncHdr', data: '200' }];
  let id = 2;
  for (const get of gets) {
    const known = values[get.locUri];
    commands.push({ kind: 'Status', cmdId: String(id++), msgRef: serverMsgId, cmdRef: get.cmdId, cmd: 'Get', data: known === undefined ? '404' : '200' });
  }
  for (const get of gets) {
    const known = values[get.locUri];
    if (known === undefined) continue;
    commands.push({
      kind: 'Results',
      cmdId: String(id++),
      msgRef: serverMsgId,
      cmdRef: get.cmdId,
      items: [{ source: get.locUri, meta: { format: 'chr' }, data: known }],
    });
  }
  return syncml(deviceId, sessionId, msgId, commands);
}
