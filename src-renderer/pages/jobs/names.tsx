import { Tooltip, Typography } from 'antd';
import { jobErrorWords } from './model';
import { cronText } from '../../lib/cronText';

type Maybe = (key: string, params?: Record<string, string | number>) => string | undefined;

/** A job kind in words (“夜间备份”); a kind the dictionaries do not know yet keeps its code. */
export function kindName(maybe: Maybe, kind: string): string {
  return maybe(`jobs.kind.${kind}`) ?? kind;
}

/** A queue in words; an unknown queue keeps its name. */
export function queueName(maybe: Maybe, queue: string): string {
  return maybe(`jobs.queue.${queue}`) ?? queue;
}

/**
 * Words on screen with the code they stand for in a tooltip (what the CLI, the logs and the
 * config file call it); a code the dictionaries do not know yet is shown as the code it is.
 */
function Worded({ words, code, testId }: { words: string | undefined; code: string; testId?: string }) {
  if (!words) return <Typography.Text code>{code}</Typography.Text>;
  return (
    <Tooltip title={code}>
      <span data-testid={testId} data-code={code}>
        {words}
      </span>
    </Tooltip>
  );
}

/** A kind in words on screen, its code in the tooltip. */
export function KindLabel({ maybe, kind }: { maybe: Maybe; kind: string }) {
  return <Worded words={maybe(`jobs.kind.${kind}`)} code={kind} />;
}

/** A queue in words on screen, its name in the tooltip. */
export function QueueLabel({ maybe, queue }: { maybe: Maybe; queue: string }) {
  return <Worded words={maybe(`jobs.queue.${queue}`)} code={queue} testId={`queue-${queue}`} />;
}

/**
 * A schedule in words: schedules are named after the kind they enqueue, so the kind's words name
 * it; the schedule's own name is in the tooltip.
 */
export function CronLabel({ maybe, cron }: { maybe: Maybe; cron: { name: string; kind: string } }) {
  const code = cron.name === cron.kind ? cron.name : `${cron.name} → ${cron.kind}`;
  return <Worded words={maybe(`jobs.kind.${cron.kind}`)} code={code} testId={`cron-${cron.name}`} />;
}

/**
 * When a schedule runs, in words (每天 01:00), the cron expression in the tooltip; an expression
 * of a shape not worded is shown as the expression it is.
 */
export function CronWhen({ maybe, cron }: { maybe: Maybe; cron: { name: string; expression: string } }) {
  return <Worded words={cronText({ maybe }, cron.expression) ?? undefined} code={cron.expression} testId={`cron-when-${cron.name}`} />;
}

/**
 * A job's error in words where the core gave it a code (服务暂不可用, not "[unavailable] no
 * connection to the broker…"); the handler's own English record stays in the tooltip for whoever
 * digs in. An error with no code, or a code the dictionaries do not know, is shown as recorded.
 */
export function JobError({ maybe, error, testId }: { maybe: Maybe; error: string; testId?: string }) {
  const worded = jobErrorWords(maybe, error);
  if (!worded) {
    return (
      <Typography.Text type="danger" code data-testid={testId}>
        {error}
      </Typography.Text>
    );
  }
  return (
    <Tooltip title={error}>
      <Typography.Text type="danger" data-testid={testId} data-code={worded.code}>
        {worded.words}
      </Typography.Text>
    </Tooltip>
  );
}
