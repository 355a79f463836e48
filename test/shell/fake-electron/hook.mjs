// Loaded with `node --import`: makes `import ... from 'electron'` resolve to the fake next to
// this file, so the built main process (out/main/index.js) runs in plain Node.
import { register } from 'node:module';

register('./resolve.mjs', import.meta.url);
