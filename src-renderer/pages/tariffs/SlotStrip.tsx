import { useEffect, useRef } from 'react';
import { Flex, Radio, Typography } from 'antd';
import { useI18n } from '../../i18n';
import { PERIOD_COLOURS, PERIODS, slotTime, type Period } from './model';

/**
 * The day as 48 half-hour cells coloured by period. With `onPaint`, the operator picks a period and
 * clicks or drags across cells to paint them (mouse), or focuses a cell and presses Enter/Space
 * (keyboard). Without it the strip only shows.
 */
export function SlotStrip({
  slots,
  brush,
  onBrush,
  onPaint,
  testId = 'slot-strip',
}: {
  slots: readonly Period[];
  brush?: Period;
  onBrush?(p: Period): void;
  onPaint?(slot: number, period: Period): void;
  testId?: string;
}) {
  const { t } = useI18n();
  const painting = useRef(false);
  useEffect(() => {
    const stop = () => {
      painting.current = false;
    };
    window.addEventListener('mouseup', stop);
    return () => window.removeEventListener('mouseup', stop);
  }, []);
  const editable = Boolean(onPaint && brush);
  const paint = (slot: number) => {
    if (onPaint && brush && slots[slot] !== brush) onPaint(slot, brush);
  };

  return (
    <div>
      {editable && onBrush && <BrushPicker brush={brush} onBrush={onBrush} />}
      <div
        data-testid={testId}
        role="group"
        aria-label={t('tariffs.strip')}
        style={{ display: 'grid', gridTemplateColumns: `repeat(${slots.length}, 1fr)`, gap: 1, userSelect: 'none' }}
      >
        {slots.map((p, i) => {
          const label = `${slotTime(i)}–${slotTime(i + 1)} ${t(`tariffs.period.${p}`)}`;
          return (
            <div
              key={i}
              role={editable ? 'button' : undefined}
              tabIndex={editable ? 0 : undefined}
              title={label}
              aria-label={label}
              data-testid={`${testId}-slot-${i}`}
              data-period={p}
              onMouseDown={(e) => {
                if (!editable) return;
                e.preventDefault();
                painting.current = true;
                paint(i);
              }}
              onMouseEnter={() => {
                if (painting.current) paint(i);
              }}
              onKeyDown={(e) => {
                if (editable && (e.key === 'Enter' || e.key === ' ')) {
                  e.preventDefault();
                  paint(i);
                }
              }}
              style={{ height: 32, background: PERIOD_COLOURS[p], cursor: editable ? 'pointer' : 'default', borderRadius: 2 }}
            />
          );
        })}
      </div>
      <HourScale slots={slots.length} />
    </div>
  );
}

function BrushPicker({ brush, onBrush }: { brush?: Period; onBrush(p: Period): void }) {
  const { t } = useI18n();
  return (
    <Flex align="center" gap="small" style={{ marginBottom: 8 }}>
      <Typography.Text type="secondary">{t('tariffs.brush')}</Typography.Text>
      <Radio.Group value={brush} onChange={(e) => onBrush(e.target.value as Period)} optionType="button" size="small" data-testid="period-brush">
        {PERIODS.map((p) => (
          <Radio.Button key={p} value={p} data-testid={`brush-${p}`}>
            <span style={{ display: 'inline-block', width: 10, height: 10, background: PERIOD_COLOURS[p], marginRight: 6, borderRadius: 2 }} />
            {t(`tariffs.period.${p}`)}
          </Radio.Button>
        ))}
      </Radio.Group>
    </Flex>
  );
}

/** Every second hour's time under the strip (a label per four half-hour cells). */
function HourScale({ slots }: { slots: number }) {
  return (
    <div style={{ display: 'grid', gridTemplateColumns: `repeat(${slots / 4}, 1fr)`, marginTop: 2 }}>
      {Array.from({ length: slots / 4 }, (_, h) => (
        <Typography.Text key={h} type="secondary" style={{ fontSize: 11 }}>
          {slotTime(h * 4)}
        </Typography.Text>
      ))}
    </div>
  );
}
