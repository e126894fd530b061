export const SOAP_CONTENT_TYPE = 'application/soap+xml; charset=utf-8';

export const NS = {
  soap: 'http://www.w3.org/2003/05/soap-envelope',
  addressing: 'http://www.w3.org/2005/08/addressing',
  discovery: 'http://schemas.microsoft.com/windows/management/2012/01/enrollment',
  enrollment: 'http://schemas.microsoft.com/windows/pki/2009/01/enrollment',
  policy: 'http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
  wst: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512',
  ac: 'http://schemas.xmlsoap.org/ws/2006/12/authorization',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  xsd: 'http://www.w3.org/2001/XMLSchema',
  diagnostics: 'http://schemas.microsoft.com/2004/09/ServiceModel/Diagnostics',
} as const;

export const ACTION = {
  discover: 'http://schemas.microsoft.com/windows/management/2012/01/enrollment/IDiscoveryService/Discover',
  discoverResponse: 'http://schemas.microsoft.com/windows/management/2012/01/enrollment/IDiscoveryService/DiscoverResponse',
  getPolicies: 'http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy/IPolicy/GetPolicies',
  getPoliciesResponse: 'http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy/IPolicy/GetPoliciesResponse',
  requestSecurityToken: 'http://schemas.microsoft.com/windows/pki/2009/01/enrollment/RST/wstep',
  requestSecurityTokenResponse: 'http://schemas.microsoft.com/windows/pki/2009/01/enrollment/RSTRC/wstep',
  fault: 'http://www.w3.org/2005/08/addressing/soap/fault',
} as const;

export const ANONYMOUS_ADDRESS = 'http://www.w3.org/2005/08/addressing/anonymous';

export const TOKEN = {
  deviceEnrollmentToken: 'http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentToken',
  deviceEnrollmentUserToken: 'http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentUserToken',
  provisionDoc: 'http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentProvisionDoc',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
  pkcs10: 'http://schemas.microsoft.com/windows/pki/2009/01/enrollment#PKCS10',
  pkcs7: 'http://schemas.microsoft.com/windows/pki/2009/01/enrollment#PKCS7',
  base64Encoding: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd#base64binary',
  issue: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue',
  renew: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512/Renew',
} as const;
