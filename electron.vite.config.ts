import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

// Main and preload are bundled for Electron. In main, every package.json dependency stays
// external (better-sqlite3 is native and is loaded at run time, from node_modules or through its
// nativeBinding option; nothing is imported at build time). The preload runs sandboxed, where
// require() knows only `electron`, so it bundles everything it uses into one CommonJS file.
// Neither build needs the Electron binary: electron-vite only reads electron's package.json.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      externalizeDeps: true,
      // The export worker thread's entry is a file of its own beside index.js (src-main/reports/export-thread.ts).
      rolldownOptions: {
        input: {
          index: resolve(__dirname, 'src-main/index.ts'),
          // The core process the window forks (src-main/core-process.ts, shell/core-relay.ts).
          'core-process': resolve(__dirname, 'src-main/core-process.ts'),
          'export-worker': resolve(__dirname, 'src-main/reports/export-worker.ts'),
          // Long reads off the main thread (src-main/kernel/read-thread.ts).
          'verify-worker': resolve(__dirname, 'src-main/ledger/verify-worker.ts'),
          'report-worker': resolve(__dirname, 'src-main/compensation/report-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(__dirname, 'src-preload/index.ts') },
        // Sandboxed preloads must be CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    plugins: [react()],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      rollupOptions: { input: { index: resolve(__dirname, 'src-renderer/index.html') } },
    },
  },
});
