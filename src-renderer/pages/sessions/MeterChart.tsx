import { Empty, Typography } from 'antd';
import { useI18n } from '../../i18n';
import { formatTime } from '../../lib/time';
import type { SessionDetail } from './model';

type Sample = SessionDetail['samples'][number];

const W = 600;
const H = 200;
const PAD = { left: 56, right: 12, top: 12, bottom: 28 };

function niceStep(span: number, ticks: number): number {
  const raw = span / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n < 1.5 ? 1 : n < 3 ? 2 : n < 7 ? 5 : 10) * mag;
}

/**
 * Energy delivered over the charger's own clock (the times the session is priced by), as a step
 * from the first reading: a plain SVG so the renderer carries no chart library.
 */
export function MeterChart({ samples }: { samples: readonly Sample[] }) {
  const { t } = useI18n();
  const points = [...samples].sort((a, b) => a.chargerAt - b.chargerAt);
  if (points.length < 2) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('sessions.chart.tooFew')} />;
  const t0 = points[0].chargerAt;
  const t1 = points[points.length - 1].chargerAt;
  const base = points[0].wh;
  const kwh = points.map((p) => (p.wh - base) / 1000);
  const maxK = Math.max(...kwh, 0.001);
  const step = niceStep(maxK, 4);
  const top = Math.ceil(maxK / step) * step;
  const span = Math.max(t1 - t0, 1);
  const x = (at: number) => PAD.left + ((at - t0) / span) * (W - PAD.left - PAD.right);
  const y = (k: number) => H - PAD.bottom - (k / top) * (H - PAD.top - PAD.bottom);
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.chargerAt).toFixed(1)},${y(kwh[i]).toFixed(1)}`).join(' ');
  const yTicks = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step);
  const sameDay = formatTime(t0, 'YYYY-MM-DD') === formatTime(t1, 'YYYY-MM-DD');
  const xTicks = [t0, t0 + span / 2, t1];
  return (
    <figure style={{ margin: 0 }} data-testid="meter-chart">
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={t('sessions.chart.title')} style={{ maxWidth: W, display: 'block' }}>
        {yTicks.map((k) => (
          <g key={k}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(k)} y2={y(k)} stroke="#f0f0f0" />
            <text x={PAD.left - 6} y={y(k) + 4} fontSize={11} textAnchor="end" fill="#8c8c8c">
              {Number(k.toFixed(3))}
            </text>
          </g>
        ))}
        {xTicks.map((at, i) => (
          <text key={i} x={x(at)} y={H - 8} fontSize={11} textAnchor={i === 0 ? 'start' : i === 2 ? 'end' : 'middle'} fill="#8c8c8c">
            {formatTime(at, sameDay ? 'HH:mm:ss' : 'MM-DD HH:mm')}
          </text>
        ))}
        <line x1={PAD.left} x2={PAD.left} y1={PAD.top} y2={H - PAD.bottom} stroke="#d9d9d9" />
        <path d={`${path} L${x(t1).toFixed(1)},${y(0)} L${x(t0).toFixed(1)},${y(0)} Z`} fill="#1668dc" fillOpacity={0.08} />
        <path d={path} fill="none" stroke="#1668dc" strokeWidth={2} />
        {points.map((p, i) => (
          <circle key={`${p.chargerAt}-${i}`} cx={x(p.chargerAt)} cy={y(kwh[i])} r={2.5} fill={p.source === 'stop' || p.source === 'start' ? '#fa8c16' : '#1668dc'}>
            <title>{`${formatTime(p.chargerAt)} · ${kwh[i].toFixed(3)} kWh · ${p.source}`}</title>
          </circle>
        ))}
      </svg>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t('sessions.chart.caption', { count: points.length })}
      </Typography.Text>
    </figure>
  );
}
