import { defineConfig, mergeConfig, type UserConfig } from 'vite';
import electronViteConfig from './electron.vite.config';

/**
 * Builds only the renderer (out/renderer) with plain Vite, for browser mode and the e2e tests,
 * without bundling main and preload. It reuses the renderer section of electron.vite.config.ts
 * and adds the presets electron-vite applies to that section itself, so both builds produce the
 * same files: relative asset URLs (served from app://depotdesk/ and from `depotdesk serve`),
 * no module-preload polyfill, a Chromium target.
 */
const config = electronViteConfig as { renderer?: UserConfig };
if (!config.renderer) throw new Error('electron.vite.config.ts has no renderer section');

export default defineConfig(
  mergeConfig(
    {
      base: './',
      build: {
        target: 'chrome130',
        modulePreload: { polyfill: false },
        reportCompressedSize: false,
        minify: false,
        emptyOutDir: true,
      },
    } satisfies UserConfig,
    config.renderer,
  ),
);
