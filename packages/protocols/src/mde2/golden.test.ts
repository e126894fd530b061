import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDiscoverRequest } from './discovery.js';
import { parseRequestSecurityToken } from './enrollment.js';
import { TOKEN } from './namespaces.js';

// Discover request in the layout the Windows enrollment client sends (MS-MDE2 §4.1 shape):
// the MessageID is the constant the client hard-codes on every build observed.
const WINDOWS_DISCOVER = `<s:Envelope xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:s="http://www.w3.org/2003/05/soap-envelope">
  <s:Header>
    <a:Action s:mustUnderstand="1">http://schemas.microsoft.com/windows/management/2012/01/enrollment/IDiscoveryService/Discover</a:Action>
    <a:MessageID>urn:uuid:748132ec-a575-4329-b01b-6171a9cf8478</a:MessageID>
    <a:ReplyTo>
      <a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address>
    </a:ReplyTo>
    <a:To s:mustUnderstand="1">https://enterpriseenrollment.baton.test:443/EnrollmentServer/Discovery.svc</a:To>
  </s:Header>
  <s:Body>
    <Discover xmlns="http://schemas.microsoft.com/windows/management/2012/01/enrollment">
      <request xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
        <EmailAddress>ada@baton.test</EmailAddress>
        <RequestVersion>4.0</RequestVersion>
        <DeviceType>CIMClient_Windows</DeviceType>
        <ApplicationVersion>10.0.22621.3155</ApplicationVersion>
        <OSEdition>4</OSEdition>
        <AuthPolicies>
          <AuthPolicy>OnPremise</AuthPolicy>
          <AuthPolicy>Federated</AuthPolicy>
        </AuthPolicies>
      </request>
    </Discover>
  </s:Body>
</s:Envelope>`;

test('Windows Discover request', () => {
  assert.deepStrictEqual(parseDiscoverRequest(WINDOWS_DISCOVER), {
    messageId: 'urn:uuid:748132ec-a575-4329-b01b-6171a9cf8478',
    to: 'https://enterpriseenrollment.baton.test:443/EnrollmentServer/Discovery.svc',
    emailAddress: 'ada@baton.test',
    requestVersion: '4.0',
    deviceType: 'CIMClient_Windows',
    applicationVersion: '10.0.22621.3155',
    osEdition: '4',
    authPolicies: ['OnPremise', 'Federated'],
  });
});

const WINDOWS_RST = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd" xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512" xmlns:ac="http://schemas.xmlsoap.org/ws/2006/12/authorization">
  <s:Header>
    <a:Action s:mustUnderstand="1">http://schemas.microsoft.com/windows/pki/2009/01/enrollment/RST/wstep</a:Action>
    <a:MessageID>urn:uuid:0d5a1441-5891-453b-becf-a2e5f6ea3749</a:MessageID>
    <a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo>
    <a:To s:mustUnderstand="1">https://enterpriseenrollment.baton.test/EnrollmentServer/Enrollment.svc</a:To>
    <wsse:Security s:mustUnderstand="1">
      <wsse:BinarySecurityToken ValueType="urn:ietf:params:oauth:token-type:jwt" EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd#base64binary">ZXlKaGJHY2lPaUpTVXpJMU5pSjku</wsse:BinarySecurityToken>
    </wsse:Security>
  </s:Header>
  <s:Body>
    <wst:RequestSecurityToken>
      <wst:TokenType>http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentToken</wst:TokenType>
      <wst:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</wst:RequestType>
      <wsse:BinarySecurityToken ValueType="http://schemas.microsoft.com/windows/pki/2009/01/enrollment#PKCS10" EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd#base64binary">MIICzjCCAbYCAQAwLzEtMCsGA1UEAxMkQjFDNDNDRDAtMTYyNC01RkJCLThFNTQtMzRDRjE3REZEM0ExMIIB</wsse:BinarySecurityToken>
      <ac:AdditionalContext xmlns="http://schemas.xmlsoap.org/ws/2006/12/authorization">
        <ac:ContextItem Name="UXInitiated"><ac:Value>false</ac:Value></ac:ContextItem>
        <ac:ContextItem Name="HWDevID"><ac:Value>CF1D7E2B1A3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6</ac:Value></ac:ContextItem>
        <ac:ContextItem Name="Locale"><ac:Value>en-US</ac:Value></ac:ContextItem>
        <ac:ContextItem Name="TargetedUserLoggedIn"><ac:Value>false</ac:Value></ac:ContextItem>
        <ac:ContextItem Name="OSEdition"><ac:Value>4</ac:Value></ac:ContextItem>
        <ac:ContextItem Name="DeviceName"><ac:Value>DESKTOP-7Q2K9LM</ac:Value></ac:ContextItem>
        <ac:ContextItem Name="MAC"><ac:Value>00-15-5D-01-02-03</ac:Value></ac:ContextItem>
        <ac:ContextItem Name="MAC"><ac:Value>00-15-5D-01-02-04</ac:Value></ac:ContextItem>
        <ac:ContextItem Name="DeviceID"><ac:Value>B1C43CD0-1624-5FBB-8E54-34CF17DFD3A1</ac:Value></ac:ContextItem>
        <ac:ContextItem Name="EnrollmentType"><ac:Value>Device</ac:Value></ac:ContextItem>
        <ac:ContextItem Name="DeviceType"><ac:Value>CIMClient_Windows</ac:Value></ac:ContextItem>
        <ac:ContextItem Name="OSVersion"><ac:Value>10.0.22621.3155</ac:Value></ac:ContextItem>
        <ac:ContextItem Name="ApplicationVersion"><ac:Value>10.0.22621.3155</ac:Value></ac:ContextItem>
        <ac:ContextItem Name="NotInOobe"><ac:Value>false</ac:Value></ac:ContextItem>
      </ac:AdditionalContext>
    </wst:RequestSecurityToken>
  </s:Body>
</s:Envelope>`;

test('Windows RST with Entra JWT, PKCS#10 and repeated MAC context items', () => {
  const rst = parseRequestSecurityToken(WINDOWS_RST);
  assert.equal(rst.messageId, 'urn:uuid:0d5a1441-5891-453b-becf-a2e5f6ea3749');
  assert.deepStrictEqual(rst.headerToken, { valueType: TOKEN.jwt, encodingType: TOKEN.base64Encoding, value: 'ZXlKaGJHY2lPaUpTVXpJMU5pSjku' });
  assert.equal(rst.tokenType, TOKEN.deviceEnrollmentToken);
  assert.equal(rst.requestType, TOKEN.issue);
  assert.equal(rst.binarySecurityToken.valueType, TOKEN.pkcs10);
  assert.ok(rst.binarySecurityToken.value.startsWith('MIICzjCC'));
  assert.equal(rst.additionalContext.MAC, '00-15-5D-01-02-04');
  assert.equal(rst.additionalContext.EnrollmentType, 'Device');
  assert.equal(rst.additionalContext.HWDevID.length, 64);
  assert.deepStrictEqual(rst.contextItems.filter(([n]) => n === 'MAC').map(([, v]) => v), ['00-15-5D-01-02-03', '00-15-5D-01-02-04']);
  assert.equal(rst.contextItems.length, 14);
  assert.equal(rst.contextItems[0][0], 'UXInitiated');
});
