/**
 * The WHERE clause of a filtered list. Each filter is [condition, name, value]: the condition,
 * written with the named parameter @name, is kept when the value is given (not undefined, null or
 * ''), and the value is bound as @name. Kept conditions are ANDed; none gives an empty clause.
 *
 *   const { clause, params } = whereOf([['state = @state', 'state', q.state], ['created_at >= @from', 'from', q.from]]);
 *   db.prepare(`SELECT … FROM t ${clause} LIMIT @limit`).all({ ...params, limit });
 */
export function whereOf(filters: readonly (readonly [condition: string, name: string, value: unknown])[]): { clause: string; params: Record<string, unknown> } {
  const conditions: string[] = [];
  const params: Record<string, unknown> = {};
  for (const [condition, name, value] of filters) {
    if (value === undefined || value === null || value === '') continue;
    conditions.push(condition);
    params[name] = value;
  }
  return { clause: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', params };
}
