import type { CallResult, DepotEvent } from '../../src-main/contract/types';

/**
 * What the Electron preload exposes as `window.depot`: one function per contract method (never
 * the raw IPC channel) and one subscription to the push channel. The preload implements this
 * interface; the renderer only relies on it through the IPC transport.
 */
export interface DepotBridge {
  methods: Record<string, (params: unknown) => Promise<CallResult>>;
  onEvent(cb: (e: DepotEvent) => void): () => void;
}
