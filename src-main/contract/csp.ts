/**
 * Sent with every app:// response. antd writes its styles at run time, hence 'unsafe-inline' for
 * styles only; scripts come from our own files and nothing else (no eval, no inline script).
 * The Electron shell (shell/security.ts) and browser mode (contract/http.ts) send this same
 * policy: forms and frames are never needed.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
].join('; ');
