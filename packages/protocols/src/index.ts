export { ProtocolParseError } from './errors.js';
export { normalizeBase64 } from './encoding/base64.js';
export * from './xml/index.js';
export * from './syncml/index.js';
export * from './mde2/index.js';
export * from './provisioning/index.js';
export * from './hwhash/index.js';
export * from './autopilot-csv/index.js';
export * from './odata/index.js';
