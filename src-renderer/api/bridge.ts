/**
 * What the Electron preload exposes as `window.depot`: one function per contract method (never
 * the raw IPC channel) and one subscription to the push channel. The preload owns the
 * definition; the renderer takes it type-only, so the two cannot drift apart.
 */
export type { DepotBridge } from '../../src-preload/bridge';
