import { Typography } from 'antd';

type Maybe = (key: string, params?: Record<string, string | number>) => string | undefined;

/** A job kind in words (“夜间备份”); a kind the dictionaries do not know yet keeps its code. */
export function kindName(maybe: Maybe, kind: string): string {
  return maybe(`jobs.kind.${kind}`) ?? kind;
}

/** A queue in words; an unknown queue keeps its name. */
export function queueName(maybe: Maybe, queue: string): string {
  return maybe(`jobs.queue.${queue}`) ?? queue;
}

/** A kind in words on screen; one the dictionaries do not know yet is shown as the code it is. */
export function KindLabel({ maybe, kind }: { maybe: Maybe; kind: string }) {
  const words = maybe(`jobs.kind.${kind}`);
  return words ? <>{words}</> : <Typography.Text code>{kind}</Typography.Text>;
}

/** A queue in words on screen; an unknown queue is shown as its name in code. */
export function QueueLabel({ maybe, queue }: { maybe: Maybe; queue: string }) {
  const words = maybe(`jobs.queue.${queue}`);
  return words ? <>{words}</> : <Typography.Text code>{queue}</Typography.Text>;
}
