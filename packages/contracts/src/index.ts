export * from './apps.js';
export * from './handoffs.js';
export * from './topics.js';
export * from './paths.js';
export * from './notifications.js';
export * from './events.js';
export * from './attestation.js';
