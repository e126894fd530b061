export { encodeHardwareHash } from './encode.js';
export { decodeHardwareHash } from './decode.js';
export { hardwareIdentity, requiredFieldsMissing, type RequiredHashField } from './identity.js';
export { RecordType, StorageBusType, MAX_HASH_BYTES } from './layout.js';
export type * from './types.js';
