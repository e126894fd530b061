/**
 * The console's Content-Security-Policy. Everything is same-origin: the bundle, the Graph
 * APIs, and identity's endpoints MSAL calls (openid-configuration, token) and frames (a
 * silent renewal loads the authorize endpoint in a hidden iframe that returns to
 * /console/). Styles allow 'unsafe-inline' because Fluent UI (Griffel) inserts its atomic
 * CSS rules at run time; scripts get no such allowance.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "frame-ancestors 'self'",
  "form-action 'self'",
  "base-uri 'self'",
  "object-src 'none'",
].join('; ');
