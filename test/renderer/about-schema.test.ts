import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { wordingFor } from '../../src-renderer/i18n';
import { schemaText } from '../../src-renderer/pages/settings/schemaText';
import { addOperator, makeApp, ok, REPO_ROOT } from '../helpers';

const zh = wordingFor('zh-CN');
const en = wordingFor('en-US');

describe('Settings → General names the database version, not a migration file', () => {
  it('reads as a version number and whether it is the newest this build knows', () => {
    expect(schemaText(zh, { applied: 37, known: 37 })).toBe('数据库版本 37 · 最新');
    expect(schemaText(en, { applied: 37, known: 37 })).toBe('Database version 37, up to date');
    expect(schemaText(zh, { applied: 36, known: 37 })).toBe('数据库版本 36 · 最新为 37');
    expect(schemaText(en, { applied: 36, known: 37 })).toBe('Database version 36, this build knows 37');
  });

  it('takes both numbers from the core, which counts the migrations it applied and knows', async () => {
    const { app } = makeApp();
    const admin = await addOperator(app, 'admin');
    const about = await ok<{ schema: { applied: number; known: number; latest: string | null } }>(app, admin, 'system.about');
    const journal = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'migrations/meta/_journal.json'), 'utf8')) as { entries: unknown[] };
    expect(about.schema.known).toBe(journal.entries.length);
    expect(about.schema.applied).toBe(about.schema.known);
    // The text shows no migration's file name.
    expect(schemaText(zh, about.schema)).not.toContain(about.schema.latest ?? '_');
  });
});
