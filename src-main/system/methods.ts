import path from 'node:path';
import { z } from 'zod';
import { ALL_ROLES, SUPERVISORS, method } from '../kernel/method';
import { backupWithCheckpoint } from './checkpoints';
import type { FigureProvider } from '../kernel/plugins';
import { dashboardSummary } from './dashboard';

// unit 'time': value is an instant (epoch ms).
const figure = z.strictObject({ key: z.string(), value: z.number(), unit: z.enum(['count', 'fen', 'bytes', 'wh', 'time']) });

export function backupFileName(at: number): string {
  return `depotdesk-${new Date(at).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}Z.sqlite`;
}

/**
 * The system's methods. The dashboard's figures come from every module, so they are asked of the
 * composition when called (src-main/modules.ts builds it after this module).
 */
export function systemMethods(figures: () => readonly FigureProvider[]) {
  return {
    'system.about': method({
      summary: 'Version, data path, schema version and broker state.',
      kind: 'query',
      roles: ALL_ROLES,
      input: z.strictObject({}),
      output: z.object({
        version: z.string(),
        dataDir: z.string(),
        dbFile: z.string(),
        /** applied of known migrations; latest is the last applied migration's tag (for support, not the screens). */
        schema: z.object({ applied: z.number(), known: z.number(), latest: z.string().nullable() }),
        timeZone: z.string(),
        mode: z.string(),
        broker: z.object({ state: z.string(), url: z.string().nullable() }),
        startedAt: z.number(),
      }),
      handler: ({ app }) => ({
        version: app.version,
        dataDir: app.paths.dataDir,
        dbFile: app.paths.dbFile,
        schema: { applied: app.migrations.applied, known: app.migrations.known, latest: app.migrations.latest },
        timeZone: app.clock.timeZone,
        mode: app.runtime.mode,
        broker: app.runtime.broker,
        startedAt: app.startedAt,
      }),
    }),
    'dashboard.summary': method({
      summary: 'Live figures for the dashboard.',
      kind: 'query',
      roles: ALL_ROLES,
      input: z.strictObject({}),
      output: z.object({ at: z.number(), businessDate: z.string(), figures: z.array(figure) }),
      handler: ({ app }) => dashboardSummary(app, figures()),
    }),
    'system.backup': method({
      summary: 'Write an online backup of the database into the backups folder, with a signed checkpoint of the audit and ledger chains beside it.',
      kind: 'command',
      roles: SUPERVISORS,
      input: z.strictObject({}),
      output: z.object({ file: z.string(), bytes: z.number(), pages: z.number() }),
      handler: async ({ app }) => {
        const dir = app.config.backup.dir || app.paths.backupDir;
        const { file, bytes, pages } = await backupWithCheckpoint(app, path.join(dir, backupFileName(app.clock.now())));
        return { file, bytes, pages };
      },
    }),
  };
}
