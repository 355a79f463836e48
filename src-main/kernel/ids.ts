import { monotonicFactory } from 'ulidx';
import type { Clock } from './clock';

/** Row ids are ULIDs: sortable by creation time, unique without coordination. */
export interface Ids {
  next(): string;
}

export function ulidIds(clock: Clock): Ids {
  const ulid = monotonicFactory();
  return { next: () => ulid(clock.now()) };
}
