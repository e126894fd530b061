/**
 * Messages written the way Windows writes them on the wire (MS-MDE2 samples and the
 * captures listed in the MDM reference notes: Win11 22621/26200 Discover, package 1,
 * Results, unenrollment), as text rather than through Baton's builders, so the replay
 * exercises what a real client sends.
 */
const NS_S = 'http://www.w3.org/2003/05/soap-envelope';
const NS_A = 'http://www.w3.org/2005/08/addressing';
const NS_WSSE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
const NS_U = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const B64 = `${NS_WSSE}#base64binary`;

/** Windows hard-codes this Discover MessageID (seen on 19043, 22621 and in the spec sample). */
export const WINDOWS_DISCOVER_MESSAGE_ID = 'urn:uuid:748132ec-a575-4329-b01b-6171a9cf8478';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function windowsDiscover(host: string, email: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:a="${NS_A}" xmlns:s="${NS_S}">
  <s:Header>
    <a:Action s:mustUnderstand="1">http://schemas.microsoft.com/windows/management/2012/01/enrollment/IDiscoveryService/Discover</a:Action>
    <a:MessageID>${WINDOWS_DISCOVER_MESSAGE_ID}</a:MessageID>
    <a:ReplyTo>
      <a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address>
    </a:ReplyTo>
    <a:To s:mustUnderstand="1">https://${host}/EnrollmentServer/Discovery.svc</a:To>
  </s:Header>
  <s:Body>
    <Discover xmlns="http://schemas.microsoft.com/windows/management/2012/01/enrollment">
      <request xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
        <EmailAddress>${esc(email)}</EmailAddress>
        <RequestVersion>6.0</RequestVersion>
        <DeviceType>CIMClient_Windows</DeviceType>
        <ApplicationVersion>10.0.22621.3155</ApplicationVersion>
        <OSEdition>101</OSEdition>
        <AuthPolicies>
          <AuthPolicy>OnPremise</AuthPolicy>
          <AuthPolicy>Federated</AuthPolicy>
        </AuthPolicies>
      </request>
    </Discover>
  </s:Body>
</s:Envelope>`;
}

function security(jwt: string): string {
  return `<wsse:Security s:mustUnderstand="1">
      <wsse:BinarySecurityToken ValueType="urn:ietf:params:oauth:token-type:jwt" EncodingType="${B64}">${Buffer.from(jwt).toString('base64')}</wsse:BinarySecurityToken>
    </wsse:Security>`;
}

export function windowsGetPolicies(host: string, messageId: string, jwt: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:a="${NS_A}" xmlns:s="${NS_S}" xmlns:u="${NS_U}" xmlns:wsse="${NS_WSSE}" xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512" xmlns:ac="http://schemas.xmlsoap.org/ws/2006/12/authorization">
  <s:Header>
    <a:Action s:mustUnderstand="1">http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy/IPolicy/GetPolicies</a:Action>
    <a:MessageID>${messageId}</a:MessageID>
    <a:ReplyTo>
      <a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address>
    </a:ReplyTo>
    <a:To s:mustUnderstand="1">https://${host}/EnrollmentServer/Policy.svc</a:To>
    ${security(jwt)}
  </s:Header>
  <s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
    <GetPolicies xmlns="http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy">
      <client>
        <lastUpdate xsi:nil="true"/>
        <preferredLanguage xsi:nil="true"/>
      </client>
      <requestFilter xsi:nil="true"/>
    </GetPolicies>
  </s:Body>
</s:Envelope>`;
}

export interface WindowsRstContext {
  hwDevId: string;
  deviceName: string;
  deviceId: string;
  enrollmentType?: 'Full' | 'Device';
}

/** The AdditionalContext items in the order Windows 11 26200 sends them when offered 5.0. */
export function windowsContextItems(c: WindowsRstContext): Array<[string, string]> {
  const macs = Array.from({ length: 13 }, (_, i): [string, string] => ['MAC', `00-15-5D-00-00-${(i + 1).toString(16).toUpperCase().padStart(2, '0')}`]);
  return [
    ['AIKPub', Buffer.alloc(284, 7).toString('base64')],
    ['AIKAttestationClaim', Buffer.alloc(1218, 9).toString('base64')],
    ['UXInitiated', 'true'],
    ['HWDevID', c.hwDevId],
    ['Locale', 'en-US'],
    ['TargetedUserLoggedIn', 'true'],
    ['OSEdition', '4'],
    ['DeviceName', c.deviceName],
    ...macs,
    ['DeviceID', c.deviceId],
    ['EnrollmentType', c.enrollmentType ?? 'Full'],
    ['DeviceType', 'CIMClient_Windows'],
    ['OSVersion', '10.0.26200.9278'],
    ['ApplicationVersion', '10.0.26200.9279'],
    ['NotInOobe', 'false'],
    ['Manufacturer', 'Microsoft Corporation'],
    ['DeviceModel', 'Virtual Machine'],
    ['SerialNumber', '0000-0000-0000'],
    ['RequestVersion', '5.0'],
  ];
}

export function windowsRst(host: string, messageId: string, jwt: string, csrBase64: string, context: WindowsRstContext): string {
  const items = windowsContextItems(context)
    .map(([name, value]) => `        <ac:ContextItem Name="${name}">\n          <ac:Value>${esc(value)}</ac:Value>\n        </ac:ContextItem>`)
    .join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="${NS_S}" xmlns:a="${NS_A}" xmlns:u="${NS_U}" xmlns:wsse="${NS_WSSE}" xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512" xmlns:ac="http://schemas.xmlsoap.org/ws/2006/12/authorization">
  <s:Header>
    <a:Action s:mustUnderstand="1">http://schemas.microsoft.com/windows/pki/2009/01/enrollment/RST/wstep</a:Action>
    <a:MessageID>${messageId}</a:MessageID>
    <a:ReplyTo>
      <a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address>
    </a:ReplyTo>
    <a:To s:mustUnderstand="1">https://${host}/EnrollmentServer/Enrollment.svc</a:To>
    ${security(jwt)}
  </s:Header>
  <s:Body>
    <wst:RequestSecurityToken>
      <wst:TokenType>http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentToken</wst:TokenType>
      <wst:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</wst:RequestType>
      <wsse:BinarySecurityToken ValueType="http://schemas.microsoft.com/windows/pki/2009/01/enrollment#PKCS10" EncodingType="${B64}">${csrBase64}</wsse:BinarySecurityToken>
      <ac:AdditionalContext xmlns="http://schemas.xmlsoap.org/ws/2006/12/authorization">
${items}
      </ac:AdditionalContext>
    </wst:RequestSecurityToken>
  </s:Body>
</s:Envelope>`;
}

export interface WindowsHeader {
  sessionId: string;
  msgId: string;
  serverUrl: string;
  deviceId: string;
  /** syncml:auth-md5 Cred Data, as Windows sends it after a challenge. */
  md5?: string;
}

function syncHdr(h: WindowsHeader): string {
  const cred = h.md5
    ? `<Cred><Meta><Format xmlns="syncml:metinf">b64</Format><Type xmlns="syncml:metinf">syncml:auth-md5</Type></Meta><Data>${h.md5}</Data></Cred>`
    : '';
  return `<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>${h.sessionId}</SessionID><MsgID>${h.msgId}</MsgID><Target><LocURI>${esc(h.serverUrl)}</LocURI></Target><Source><LocURI>${esc(h.deviceId)}</LocURI></Source>${cred}</SyncHdr>`;
}

const wrap = (h: WindowsHeader, body: string, final = true) =>
  `<SyncML xmlns="SYNCML:SYNCML1.2">${syncHdr(h)}<SyncBody>${body}${final ? '<Final/>' : ''}</SyncBody></SyncML>`;

/** Package 1: session alert, LoginStatus, DevInfo; CmdIDs from 2, no header Meta. */
export function windowsPackage1(h: WindowsHeader, devInfo: { man: string; mod: string }, loginStatus = 'user'): string {
  const item = (node: string, data: string) => `<Item><Source><LocURI>./DevInfo/${node}</LocURI></Source><Data>${esc(data)}</Data></Item>`;
  return wrap(
    h,
    '<Alert><CmdID>2</CmdID><Data>1201</Data></Alert>' +
      `<Alert><CmdID>3</CmdID><Data>1224</Data><Item><Meta><Type xmlns="syncml:metinf">com.microsoft/MDM/LoginStatus</Type></Meta><Data>${loginStatus}</Data></Item></Alert>` +
      `<Replace><CmdID>4</CmdID>${item('DevId', h.deviceId)}${item('Man', devInfo.man)}${item('Mod', devInfo.mod)}${item('DmV', '1.3')}${item('Lang', 'en-US')}</Replace>`,
  );
}

export interface ServerGet {
  cmdId: string;
  locUri: string;
}

/** Windows' answer to the server's Gets: SyncHdr Status, a Status per Get, then the Results. */
export function windowsResults(h: WindowsHeader, serverMsgId: string, gets: ServerGet[], values: Record<string, string>): string {
  let id = 1;
  let body = `<Status><CmdID>${id++}</CmdID><MsgRef>${serverMsgId}</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>`;
  for (const g of gets) {
    const code = values[g.locUri] === undefined ? '404' : '200';
    body += `<Status><CmdID>${id++}</CmdID><MsgRef>${serverMsgId}</MsgRef><CmdRef>${g.cmdId}</CmdRef><Cmd>Get</Cmd><Data>${code}</Data></Status>`;
  }
  for (const g of gets) {
    const value = values[g.locUri];
    if (value === undefined) continue;
    body +=
      `<Results><CmdID>${id++}</CmdID><MsgRef>${serverMsgId}</MsgRef><CmdRef>${g.cmdId}</CmdRef>` +
      `<Item><Source><LocURI>${esc(g.locUri)}</LocURI></Source><Meta><Format xmlns="syncml:metinf">chr</Format><Type xmlns="syncml:metinf">text/plain</Type></Meta><Data>${esc(value)}</Data></Item></Results>`;
  }
  return wrap(h, body);
}

/** The session Windows opens when the user removes the work account. */
export function windowsUnenroll(h: WindowsHeader): string {
  return wrap(
    h,
    '<Alert><CmdID>2</CmdID><Data>1201</Data></Alert>' +
      '<Alert><CmdID>3</CmdID><Data>1226</Data><Item><Meta><Type xmlns="syncml:metinf">com.microsoft:mdm.unenrollment.userrequest</Type><Format xmlns="syncml:metinf">int</Format></Meta><Data>1</Data></Item></Alert>',
  );
}

/** Any body under a Windows header, for the hostile cases. */
export function windowsMessage(h: WindowsHeader, body: string, final = true): string {
  return wrap(h, body, final);
}
