import type { DepotBridge } from './bridge';

declare global {
  interface Window {
    /** Present only inside the Electron window; browser mode talks HTTP instead. */
    depot?: DepotBridge;
  }
}

export {};
