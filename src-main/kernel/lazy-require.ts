import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

/**
 * A CommonJS package loaded the first time it is used instead of when the process starts.
 * Every CLI command opens the core, and the core holds every domain; mqtt.js, exceljs and
 * ocpp-rpc's validator alone cost about 0.8 s of CPU to load, though most commands never talk to
 * a charger or write a workbook. Loaded this way, only the process that does pays for them.
 */
export function lazyRequire<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireHere(name) as T);
}
