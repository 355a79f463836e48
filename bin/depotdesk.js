#!/usr/bin/env node
// The CLI runs the TypeScript core directly through tsx, so `npx depotdesk` needs no build step.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

register();
const here = path.dirname(fileURLToPath(import.meta.url));
await import(path.join(here, '..', 'src-main', 'cli', 'run.ts'));
