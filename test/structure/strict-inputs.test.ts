import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { creditSpecSchema, reversalSpecSchema } from '../../src-main/compensation';
import { configSchema } from '../../src-main/kernel/config';
import type { MethodDef } from '../../src-main/kernel/method';
import { depot } from '../../src-main/modules';
import { genericMappingSchema } from '../../src-main/reconciliation/statements/generic';

/**
 * Every input a person writes — contract method inputs, the campaign spec file, the config file, a
 * statement column mapping — refuses keys it does not know (issue 19): a misspelt `stationID` in a
 * campaign spec used to be dropped, so the campaign widened to every station. A widened money action
 * is worse than a refused one. This walks each schema and names every object in it that would drop
 * an unknown key instead of refusing it.
 */
type Def = { type?: string; catchall?: z.ZodType; [k: string]: unknown };

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Paths of the objects under `schema` that accept unknown keys silently. */
function lenientObjects(schema: z.ZodType, path: string, seen = new Set<z.ZodType>()): string[] {
  if (seen.has(schema)) return [];
  seen.add(schema);
  const def = defOf(schema);
  const found: string[] = [];
  if (def.type === 'object' && (def.catchall === undefined || defOf(def.catchall).type !== 'never')) found.push(path || '(root)');
  for (const [key, value] of Object.entries(def)) {
    if (value instanceof z.ZodType) found.push(...lenientObjects(value, key === 'catchall' ? path : path, seen));
    else if (Array.isArray(value)) value.forEach((v, i) => v instanceof z.ZodType && found.push(...lenientObjects(v, `${path}[${i}]`, seen)));
    else if (key === 'shape' && value && typeof value === 'object') {
      for (const [field, v] of Object.entries(value)) if (v instanceof z.ZodType) found.push(...lenientObjects(v, path ? `${path}.${field}` : field, seen));
    }
  }
  return found;
}

describe('inputs refuse unknown keys', () => {
  it('the walker finds a lenient object and passes a strict one (so the checks below can fail)', () => {
    expect(lenientObjects(z.strictObject({ a: z.object({ b: z.string() }).optional() }), '')).toEqual(['a']);
    expect(lenientObjects(z.array(z.strictObject({ a: z.string() })), '')).toEqual([]);
  });

  it('every contract method input', () => {
    const lenient = Object.entries(depot.methods as Record<string, MethodDef>).flatMap(([name, def]) => lenientObjects(def.input, '').map((p) => `${name}: ${p}`));
    expect(lenient).toEqual([]);
  });

  it('the campaign spec, the config file and a statement column mapping', () => {
    const lenient = [
      ...lenientObjects(creditSpecSchema, 'campaign spec'),
      ...lenientObjects(reversalSpecSchema, 'reversal spec'),
      ...lenientObjects(configSchema, 'config'),
      ...lenientObjects(genericMappingSchema, 'mapping'),
    ];
    expect(lenient).toEqual([]);
  });

  it('a misspelt campaign criterion is refused, naming the key, instead of widening the campaign', () => {
    const spec = { name: 'x', criteria: { from: '2026-01-01', to: '2026-01-02', stationID: ['NO-SUCH'] }, rule: { kind: 'fixed', amount: '5.00' }, target: 'wallet' };
    const r = creditSpecSchema.safeParse(spec);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('stationID');
  });
});
