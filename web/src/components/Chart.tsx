import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartProps {
  title: string;
  /** x in seconds, then one array per series. */
  data: (number | null)[][];
  series: { label: string; stroke: string; dash?: number[] }[];
  format?: (v: number) => string;
  /** Measured points (the data may end with a projected one). */
  points: number;
  /** Whether a projected trend is drawn. */
  projected?: boolean;
}

/** A time-series chart (uPlot); resizes with its container. */
export function Chart({ title, data, series, format, points, projected }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = () => Math.max(240, el.clientWidth);
    const opts: uPlot.Options = {
      width: width(),
      height: 220,
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.stroke,
          width: 2,
          dash: s.dash,
          spanGaps: true,
          points: { show: false },
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : format ? format(v) : String(v)),
        })),
      ],
      axes: [{}, { values: (_u, vals) => vals.map((v) => (format ? format(v) : String(v))), size: 70 }],
      scales: { x: { time: true } },
      legend: { live: true },
    };
    plot.current = new uPlot(opts, data as uPlot.AlignedData, el);
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: width(), height: 220 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // The chart is rebuilt only when its series change; data updates go through setData below.
  }, [series.map((s) => s.label).join('|')]);

  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [data]);

  return (
    <figure
      class="chart"
      data-points={points}
      data-projected={projected ? '1' : '0'}
      aria-label={`${title} chart, ${points} points${projected ? ', with the projected trend to the limit' : ''}`}
    >
      <figcaption>{title}</figcaption>
      <div ref={box} />
    </figure>
  );
}
