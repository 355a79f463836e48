type Maybe = (key: string, params?: Record<string, string | number>) => string | undefined;

/** A job kind in words (“夜间备份”); a kind the dictionaries do not know yet keeps its code. */
export function kindName(maybe: Maybe, kind: string): string {
  return maybe(`jobs.kind.${kind}`) ?? kind;
}

/** A queue in words; an unknown queue keeps its name. */
export function queueName(maybe: Maybe, queue: string): string {
  return maybe(`jobs.queue.${queue}`) ?? queue;
}
