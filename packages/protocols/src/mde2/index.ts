export * from './namespaces.js';
export { DEFAULT_MAX_SOAP_BYTES, type BinarySecurityToken, type UsernameToken } from './envelope.js';
export * from './discovery.js';
export * from './policy.js';
export * from './enrollment.js';
export * from './fault.js';
