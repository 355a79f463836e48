import { contextBridge, ipcRenderer } from 'electron';
import { createBridge, parseMethodNames } from './bridge';

// Runs sandboxed with context isolation: this file may require only `electron`, and what it
// exposes is copied into the page, so the page never holds ipcRenderer or any Node object.
contextBridge.exposeInMainWorld(
  'depot',
  createBridge(ipcRenderer, parseMethodNames(process.argv), {
    os: process.platform,
    arch: process.arch,
    versions: {
      electron: process.versions.electron ?? null,
      chrome: process.versions.chrome ?? null,
      node: process.versions.node ?? null,
    },
  }),
);
