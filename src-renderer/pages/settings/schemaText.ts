import type { Wording } from '../../i18n/wording';

/**
 * The database's version as the About panel words it: how many migrations were applied, and
 * whether that is every one this build knows (issue 16: the panel showed the last migration's
 * file name). Both numbers come from the core (system.about); the file name stays out of sight.
 */
export function schemaText(w: Wording, schema: { applied: number; known: number }): string {
  return schema.applied >= schema.known
    ? w.t('about.schemaCurrent', { version: schema.applied })
    : w.t('about.schemaBehind', { version: schema.applied, known: schema.known });
}
