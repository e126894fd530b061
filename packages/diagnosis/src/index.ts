/**
 * From the three services' event feeds to a device's timeline and diagnosis. Pure and
 * browser-safe: no node built-ins, no store, no I/O but the fetch it is handed. The CLI's
 * `baton diagnose` and the web console both use it.
 */
export * from './diagnosis.js';
export * from './codes.js';
export * from './feeds.js';
