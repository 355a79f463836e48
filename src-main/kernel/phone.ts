/**
 * Masked the way the screens show it: 138****5678. One rule for screens, exports and the CLI: the
 * renderer's (src-renderer/lib/phone.ts, plain TypeScript the core may load), so the two can never
 * mask one number two ways.
 */
export { maskPhone } from '../../src-renderer/lib/phone';
