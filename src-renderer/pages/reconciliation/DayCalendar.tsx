import { Card, Flex, Space, Typography } from 'antd';
import { useI18n, type I18nKey } from '../../i18n';
import { CELL_STATES, CELL_STYLE, calendarWeeks, cellState, dayStateKey, type CellState, type Day } from './model';

const WEEKDAYS: I18nKey[] = ['recon.wd.1', 'recon.wd.2', 'recon.wd.3', 'recon.wd.4', 'recon.wd.5', 'recon.wd.6', 'recon.wd.7'];

/**
 * The last five weeks at a glance: each day coloured by its state (matched, pending, breaks,
 * signed off, never run: grey, unlabelled, the legend says so), with its open breaks or pending
 * items counted; a click selects the day.
 */
export function DayCalendar({ today, days, selected, onSelect }: { today: string; days: Map<string, Day>; selected: string; onSelect(day: string): void }) {
  const { t } = useI18n();
  const weeks = calendarWeeks(today);
  return (
    <Card size="small" title={t('recon.calendar.title')} data-testid="recon-calendar">
      <div style={{ display: 'grid', gridTemplateColumns: 'repeat(7, 1fr)', gap: 4 }}>
        {WEEKDAYS.map((k) => (
          <Typography.Text key={k} type="secondary" style={{ textAlign: 'center', fontSize: 12 }}>
            {t(k)}
          </Typography.Text>
        ))}
        {weeks.flat().map((day) => (
          <DayCell key={day} day={day} state={cellState(day, today, days.get(day))} record={days.get(day)} selected={day === selected} onSelect={onSelect} />
        ))}
      </div>
      <Legend />
    </Card>
  );
}

function DayCell({ day, state, record, selected, onSelect }: { day: string; state: CellState; record?: Day; selected: boolean; onSelect(day: string): void }) {
  const { t } = useI18n();
  const style = CELL_STYLE[state];
  const count = record?.state === 'breaks' ? record.breaksOpen : record?.state === 'pending' ? record.pendingCount : 0;
  const disabled = state === 'not_over';
  return (
    <button
      type="button"
      data-testid={`recon-day-${day}`}
      data-state={state}
      disabled={disabled}
      onClick={() => onSelect(day)}
      title={`${day} · ${t(dayStateKey(state))}`}
      style={{
        background: style.bg,
        border: `${selected ? 2 : 1}px solid ${selected ? '#1668dc' : style.border}`,
        borderRadius: 4,
        padding: '4px 2px',
        minHeight: 54,
        cursor: disabled ? 'default' : 'pointer',
        display: 'flex',
        flexDirection: 'column',
        alignItems: 'center',
        justifyContent: 'space-between',
        font: 'inherit',
      }}
    >
      <span style={{ fontSize: 12, color: day.endsWith('-01') ? '#1f1f1f' : '#595959', fontWeight: day.endsWith('-01') ? 600 : 400 }}>
        {day.endsWith('-01') ? day.slice(5).replace('-', '/') : Number(day.slice(8))}
      </span>
      <span style={{ fontSize: 11, color: style.fg, lineHeight: 1.2 }}>
        {state === 'not_over' || state === 'not_run' ? '' : t(dayStateKey(state))}
        {count > 0 ? ` ${count}` : ''}
      </span>
    </button>
  );
}

function Legend() {
  const { t } = useI18n();
  return (
    <Flex wrap gap={12} style={{ marginTop: 10 }}>
      {CELL_STATES.map((s) => (
        <Space key={s} size={4}>
          <span style={{ display: 'inline-block', width: 12, height: 12, borderRadius: 2, background: CELL_STYLE[s].bg, border: `1px solid ${CELL_STYLE[s].border}` }} />
          <Typography.Text style={{ fontSize: 12 }}>{t(dayStateKey(s))}</Typography.Text>
        </Space>
      ))}
    </Flex>
  );
}
