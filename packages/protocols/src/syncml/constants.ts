export const SYNCML_CONTENT_TYPE = 'application/vnd.syncml.dm+xml';
export const SYNCML_NAMESPACE_12 = 'SYNCML:SYNCML1.2';
export const SYNCML_NAMESPACE_11 = 'SYNCML:SYNCML1.1';
export const METINF_NAMESPACE = 'syncml:metinf';
export const SYNCML_VER_DTD = '1.2';
export const SYNCML_VER_PROTO = 'DM/1.2';

export const AlertCode = {
  ServerInitiatedSession: '1200',
  ClientInitiatedSession: '1201',
  NextMessage: '1222',
  SessionAbort: '1223',
  Generic: '1224',
  /** Also generic; Windows uses it for unenrollment (`com.microsoft:mdm.unenrollment.userrequest`). */
  GenericUnenroll: '1226',
} as const;

/**
 * Meta Type of the generic alert (1224) in which Windows' OMA-DM client sends the Entra
 * token of the user signed in to the device, in package 1 of each session once a user has
 * logged on ("Device Alert 1224 for Azure AD user token", Windows MDM documentation).
 */
export const AAD_USER_TOKEN_ALERT_TYPE = 'com.microsoft/MDM/AADUserToken';

export const StatusCode = {
  Ok: '200',
  AcceptedForProcessing: '202',
  AuthenticationAccepted: '212',
  InProgress: '213',
  OperationCancelled: '214',
  NotExecuted: '215',
  AtomicRollbackOk: '216',
  BadRequest: '400',
  InvalidCredentials: '401',
  Forbidden: '403',
  NotFound: '404',
  CommandNotAllowed: '405',
  OptionalFeatureNotSupported: '406',
  MissingCredentials: '407',
  RequestEntityTooLarge: '413',
  UnsupportedMediaType: '415',
  AlreadyExists: '418',
  PermissionDenied: '425',
  CommandFailed: '500',
  AtomicFailed: '507',
  AtomicRollbackFailed: '516',
} as const;
