import type { CSSProperties } from 'react';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import type { ComposeOption } from 'echarts/core';
import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components';

/**
 * Charts through ECharts, only the pieces the screens use (bar and line, grid, tooltip, legend),
 * drawn as SVG: crisp in screenshots and at any zoom, and each bar is an element a test can click.
 * Loaded with the pages that use it, never in the shell's bundle.
 */
echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

export type ChartOption = ComposeOption<BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption>;

/**
 * What a click on a data point tells: the series and the category under it. A click on a category
 * axis label (with `triggerEvent: true` on that axis) tells the label as `name`, series -1.
 */
export interface ChartClick {
  seriesIndex: number;
  dataIndex: number;
  name: string;
}

interface EChartsClick {
  componentType?: string;
  seriesIndex?: number;
  dataIndex?: number;
  name?: string;
  value?: unknown;
}

function toClick(p: EChartsClick): ChartClick {
  if (p.componentType === 'xAxis' || p.componentType === 'yAxis') return { seriesIndex: -1, dataIndex: -1, name: String(p.value ?? '') };
  return { seriesIndex: p.seriesIndex ?? -1, dataIndex: p.dataIndex ?? -1, name: p.name ?? '' };
}

export function Chart({
  option,
  onClick,
  height = 240,
  testId,
  style,
}: {
  option: ChartOption;
  onClick?: (c: ChartClick) => void;
  height?: number;
  testId?: string;
  style?: CSSProperties;
}) {
  return (
    <div data-testid={testId} style={{ cursor: onClick ? 'pointer' : undefined, ...style }}>
      <ReactEChartsCore
        echarts={echarts}
        option={option}
        notMerge
        lazyUpdate
        opts={{ renderer: 'svg' }}
        style={{ height, width: '100%' }}
        onEvents={onClick ? { click: (p: EChartsClick) => onClick(toClick(p)) } : undefined}
      />
    </div>
  );
}
