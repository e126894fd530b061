/**
 * Discovery's error catalogue. Graph-facing failures travel as kit's GraphError (the Graph
 * envelope); import failures are not HTTP errors at all but the `deviceErrorCode` /
 * `deviceErrorName` pair Autopilot reports in an imported identity's state, because
 * clients poll for that state rather than reading the POST's status.
 */
import { GraphError } from '@baton/kit';

/** Autopilot's import error codes (DDS), as OEM tools and the portal show them. */
export const IMPORT_ERRORS = {
  invalidRequestBody: { code: 801, name: 'InvalidZtdRequestBody' },
  invalidHardwareHash: { code: 802, name: 'InvalidZtdHardwareHash' },
  missingSerialNumber: { code: 803, name: 'MissingZtdSerialNumberAndProductKey' },
  alreadyAssigned: { code: 806, name: 'ZtdDeviceAlreadyAssigned' },
  assignedToOtherTenant: { code: 808, name: 'ZtdDeviceAssignedToOtherTenant' },
  /**
   * Baton's own, outside Autopilot's 8xx range: a corporate identifier (manufacturer, model,
   * serial) row, which only Autopilot device preparation can use.
   */
  corporateIdentifierUnsupported: { code: 9001, name: 'BatonCorporateIdentifierUnsupported' },
} as const;

export type ImportError = (typeof IMPORT_ERRORS)[keyof typeof IMPORT_ERRORS];

/** Graph error codes discovery answers with. */
export const DISCOVERY_ERROR_CODES = {
  invalidRequest: 'invalidRequest',
  badRequest: 'BadRequest',
  itemNotFound: 'itemNotFound',
  deviceNotFound: 'ZtdDeviceNotFound',
  profileNotAssigned: 'ZtdProfileNotAssigned',
  ambiguousDevice: 'ZtdAmbiguousDevice',
  serviceUnavailable: 'ServiceUnavailable',
} as const;

export const discoveryErrors = {
  invalidRequest: (message: string) => new GraphError(400, DISCOVERY_ERROR_CODES.invalidRequest, message),
  badRequest: (message: string) => new GraphError(400, DISCOVERY_ERROR_CODES.badRequest, message),
  /** Ids from another tenant land here too: a tenant cannot learn that an id exists elsewhere. */
  itemNotFound: (kind: string, id: string) =>
    new GraphError(404, DISCOVERY_ERROR_CODES.itemNotFound, `The ${kind} '${id}' was not found.`),
  deviceNotFound: () =>
    new GraphError(404, DISCOVERY_ERROR_CODES.deviceNotFound, 'No tenant has registered a device with this hardware hash.'),
  profileNotAssigned: () =>
    new GraphError(404, DISCOVERY_ERROR_CODES.profileNotAssigned, 'The device is registered but no deployment profile is assigned to it.'),
  /** Refusing beats guessing: handing a device another tenant's profile would enroll it there. */
  ambiguousDevice: () =>
    new GraphError(409, DISCOVERY_ERROR_CODES.ambiguousDevice, 'More than one registered device has this serial number, manufacturer and model; look it up by hardware hash.'),
  conflict: (message: string) => new GraphError(409, 'Conflict', message),
  unsupportedMediaType: (message: string) => new GraphError(415, 'UnsupportedMediaType', message),
  notificationsUnavailable: () =>
    new GraphError(503, DISCOVERY_ERROR_CODES.serviceUnavailable, 'The notifications could not be recorded; deliver them again.', { 'retry-after': '10' }),
  identityUnavailable: (retryAfterSeconds = 30) =>
    new GraphError(503, DISCOVERY_ERROR_CODES.serviceUnavailable, 'The identity service did not answer; try again shortly.', {
      'retry-after': String(retryAfterSeconds),
    }),
};
