import { useEffect, useState } from 'react';
import { Tooltip } from 'antd';
import dayjs from 'dayjs';
import relativeTime from 'dayjs/plugin/relativeTime';
import { useI18n } from '../../i18n';
import { formatTime } from '../../lib/time';

dayjs.extend(relativeTime);

// "2 minutes ago" goes stale on a screen left open all shift; one shared tick keeps it honest.
const TICK_MS = 15_000;
const subscribers = new Set<() => void>();
let ticker: ReturnType<typeof setInterval> | null = null;

function useTick(): void {
  const [, setN] = useState(0);
  useEffect(() => {
    const cb = () => setN((n) => n + 1);
    subscribers.add(cb);
    ticker ??= setInterval(() => subscribers.forEach((s) => s()), TICK_MS);
    return () => {
      subscribers.delete(cb);
      if (subscribers.size === 0 && ticker) {
        clearInterval(ticker);
        ticker = null;
      }
    };
  }, []);
}

/** "3 minutes ago", with the exact time in the depot's zone on hover. */
export function RelativeTime({ at, testId }: { at: number | null; testId?: string }) {
  const { t, locale } = useI18n();
  useTick();
  if (at === null) return <span data-testid={testId}>{t('common.never')}</span>;
  return (
    <Tooltip title={formatTime(at)}>
      <span data-testid={testId} key={locale}>
        {dayjs(at).fromNow()}
      </span>
    </Tooltip>
  );
}
