/** Past this share of the limit, in percent, the bar turns to a warning colour. */
const WARN_PERCENT = 80;

interface MeterProps {
  value: number;
  max: number;
  /** Names the bar, e.g. "Budget used by ada". */
  label: string;
  /** The amounts in words, e.g. "$4.00 of $10.00", read out instead of a bare percentage. */
  valueText: string;
}

/** How much of a limit is used, as a bar; full and red once the limit is reached or passed. */
export function Meter({ value, max, label, valueText }: MeterProps) {
  const percent = max > 0 ? Math.min(100, Math.max(0, (value / max) * 100)) : 0;
  const tone = percent >= 100 ? ' meter-over' : percent >= WARN_PERCENT ? ' meter-warn' : '';
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(percent)}
      aria-valuetext={valueText}
      className={`meter${tone}`}
      title={valueText}
    >
      <div className="meter-fill" style={{ width: `${percent}%` }} />
    </div>
  );
}
