/**
 * Management's error catalogue, one section per protocol it speaks: MS-MDE2 SOAP faults
 * on the enrollment endpoints, SyncML statuses on OMA-DM, Graph codes on the admin API.
 */
import { GraphError } from '@baton/kit';
import { StatusCode, type SoapFaultCode, type SoapFaultSubcode } from '@baton/protocols';

export interface FaultKind {
  code: SoapFaultCode;
  subcode: SoapFaultSubcode;
  httpStatus: number;
  /** MS-MDE2 DeviceEnrollmentServiceError/ErrorType, for the errors Windows explains to the user. */
  errorType?: string;
}

export const FAULTS = {
  /** The body is not the SOAP message the endpoint expects. */
  messageFormat: { code: 'Sender', subcode: 'messageformat', httpStatus: 400, errorType: 'MessageFormat' },
  /** No usable token in the security header, or a token identity did not sign for us. */
  invalidSecurity: { code: 'Sender', subcode: 'invalidsecurity', httpStatus: 401 },
  /** A valid token that does not authenticate a device (no `deviceid` claim). */
  authentication: { code: 'Sender', subcode: 'authentication', httpStatus: 401, errorType: 'Authentication' },
  /** The PKCS#10 is malformed, badly signed, too weak, or of a kind we do not issue for. */
  certificateRequest: { code: 'Sender', subcode: 'certificaterequest', httpStatus: 400, errorType: 'CertificateRequest' },
  /**
   * MENROLL_E_DEVICENOTSUPPORTED (0x80180014): a self-deploying device that is enrolled already
   * enrolls again only after an administrator deletes its record ("SDM one-time limit").
   */
  deviceNotSupported: { code: 'Sender', subcode: 'devicenotsupported', httpStatus: 400, errorType: 'DeviceNotSupported' },
  /** A fault of ours; the device retries later. */
  internal: { code: 'Receiver', subcode: 'internalservicefault', httpStatus: 500, errorType: 'InternalServiceFault' },
} as const satisfies Record<string, FaultKind>;

export type FaultName = keyof typeof FAULTS;

export class EnrollmentFault extends Error {
  constructor(
    readonly kind: FaultName,
    message: string,
  ) {
    super(message);
    this.name = 'EnrollmentFault';
  }

  get fault(): FaultKind {
    return FAULTS[this.kind];
  }
}

/** SyncHdr statuses the OMA-DM endpoint answers with besides 200. */
export const SYNCML_STATUS = {
  ok: StatusCode.Ok,
  /** A certificate was presented but does not belong to the device named in SyncHdr/Source. */
  invalidCredentials: StatusCode.InvalidCredentials,
  /** No credentials at all (no client certificate). */
  missingCredentials: StatusCode.MissingCredentials,
} as const;

export const graphErrorsManagement = {
  managedDeviceNotFound: (id: string) => new GraphError(404, 'ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`),
  unsupportedQuery: (option: string) => new GraphError(400, 'BadRequest', `Query option ${option} is not supported on this resource.`),
  badQuery: (message: string) => new GraphError(400, 'BadRequest', message),
  /** The device exists but has never reported its Defender health. */
  protectionStateNotFound: (id: string) => new GraphError(404, 'ResourceNotFound', `The managed device '${id}' has not reported its Windows protection state.`),
};
