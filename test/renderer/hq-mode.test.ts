import { describe, expect, it } from 'vitest';
import { servedByHq } from '../../src-renderer/hq/mode';
import { revenueChartOption } from '../../src-renderer/hq/RevenuePage';

/** The renderer's HQ switch (src-main/hq/http.ts adds the mark) and the revenue chart's money labels. */
describe('the HQ screens in the renderer', () => {
  const doc = (content: string | null) => ({
    querySelector: (sel: string) =>
      sel === 'meta[name="depotdesk-role"]' && content !== null ? { getAttribute: (a: string) => (a === 'content' ? content : null) } : null,
  });

  it('shows HQ only on a page HQ marked', () => {
    expect(servedByHq(doc('hq') as unknown as Document)).toBe(true);
    expect(servedByHq(doc(null) as unknown as Document)).toBe(false);
    expect(servedByHq(doc('depot') as unknown as Document)).toBe(false);
    expect(servedByHq(undefined)).toBe(false);
  });

  it('charts revenue in fen and labels it in yuan to the fen', () => {
    const option = revenueChartOption(
      {
        from: '2026-01-15',
        to: '2026-01-16',
        timeZone: 'Asia/Shanghai',
        byDay: [
          { day: '2026-01-15', electricityFen: 9_001, serviceFen: 2_500, totalFen: 11_501 },
          { day: '2026-01-16', electricityFen: 0, serviceFen: 7, totalFen: 7 },
        ],
        byDepot: [],
        byDepotDay: [],
        totals: { electricityFen: 9_001, serviceFen: 2_507, totalFen: 11_508 },
      },
      { electricity: 'E', service: 'S' },
    );
    const series = option.series as { data: number[] }[];
    expect(series.map((s) => s.data)).toEqual([
      [9_001, 0],
      [2_500, 7],
    ]);
    const yAxis = option.yAxis as { axisLabel: { formatter: (v: number) => string } };
    expect(yAxis.axisLabel.formatter(9_001)).toBe('¥90.01');
  });
});
