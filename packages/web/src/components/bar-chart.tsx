import { useId } from 'react';

export interface Bar {
  key: string;
  label: string;
  value: number;
  /** The value as people read it ("$1.20", "12K tokens"), shown at the bar's end and in its tooltip. */
  valueText: string;
}

/** Geometry of one row, in pixels: its label on top, the bar below it. */
const ROW = 34;
const LABEL_BASELINE = 13;
const BAR_TOP = 18;
const BAR_HEIGHT = 12;
/** The longest bar, in percent of the width: the rest leaves room for its value. */
export const BAR_MAX_PERCENT = 75;
/** A non-zero value never draws thinner than this, in percent, so it is not mistaken for zero. */
const BAR_MIN_PERCENT = 0.5;
/** Longer labels are cut short here; the tooltip and the table carry them whole. */
const LABEL_MAX_CHARS = 60;

/** A bar's width in percent of the chart, scaled to the largest value. */
export function barPercent(value: number, max: number): number {
  if (max <= 0 || value <= 0) return 0;
  return Math.max(BAR_MIN_PERCENT, (value / max) * BAR_MAX_PERCENT);
}

function shorten(text: string): string {
  return text.length > LABEL_MAX_CHARS ? `${text.slice(0, LABEL_MAX_CHARS - 1)}…` : text;
}

/**
 * Horizontal bars, one per row, with each label above its bar so the chart
 * fits a phone as well as a wide screen. One image to assistive technology,
 * named by its caption; the table that goes with it holds the numbers.
 */
export function BarChart({ caption, note, bars }: { caption: string; note?: string; bars: Bar[] }) {
  const id = useId();
  const max = Math.max(0, ...bars.map((bar) => bar.value));
  return (
    <figure className="bar-chart">
      <figcaption id={`${id}-caption`}>{caption}</figcaption>
      <svg
        width="100%"
        height={bars.length * ROW}
        role="img"
        aria-labelledby={`${id}-caption`}
        aria-describedby={note ? `${id}-note` : undefined}
      >
        {bars.map((bar, index) => {
          const top = index * ROW;
          const width = barPercent(bar.value, max);
          return (
            <g key={bar.key} className="bar-chart-row">
              <title>{`${bar.label}: ${bar.valueText}`}</title>
              {/* The whole row answers the pointer, so short bars still show their tooltip. */}
              <rect className="bar-chart-hit" x="0" y={top} width="100%" height={ROW} />
              <text className="bar-chart-label" x="0" y={top + LABEL_BASELINE}>
                {shorten(bar.label)}
              </text>
              <rect
                className="bar-chart-bar"
                x="0"
                y={top + BAR_TOP}
                width={`${width}%`}
                height={BAR_HEIGHT}
                rx="2"
              />
              <text className="bar-chart-value" x={`${width}%`} dx="6" y={top + BAR_TOP + BAR_HEIGHT - 2}>
                {bar.valueText}
              </text>
            </g>
          );
        })}
      </svg>
      {note ? (
        <p id={`${id}-note`} className="field-hint">
          {note}
        </p>
      ) : null}
    </figure>
  );
}
