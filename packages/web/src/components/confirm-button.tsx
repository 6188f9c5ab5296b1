import { useState } from 'react';
import { ConfirmDialog } from './confirm-dialog';

interface ConfirmButtonProps {
  /** Text of the first button, e.g. "Revoke". */
  label: string;
  /** The question the dialog asks, e.g. 'Revoke token "ci"?' */
  prompt: string;
  /** What happens, when the question alone does not say it. */
  detail?: string;
  /** Text of the button that really does it, e.g. "Confirm revoke". */
  confirmLabel: string;
  onConfirm: () => void;
  disabled?: boolean;
  /** Names the first button when its text alone would not (an icon, "×"). */
  ariaLabel?: string;
  /** Replaces the first button's classes. */
  className?: string;
}

/**
 * A destructive action behind a confirmation dialog, a native <dialog> rather
 * than window.confirm(), which phones render poorly and browser automation
 * dismisses by default.
 */
export function ConfirmButton({
  label,
  prompt,
  detail,
  confirmLabel,
  onConfirm,
  disabled,
  ariaLabel,
  className = 'button button-danger-quiet',
}: ConfirmButtonProps) {
  const [asking, setAsking] = useState(false);
  return (
    <>
      <button
        type="button"
        className={className}
        aria-label={ariaLabel}
        aria-haspopup="dialog"
        disabled={disabled}
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
      {asking ? (
        <ConfirmDialog
          prompt={prompt}
          detail={detail}
          confirmLabel={confirmLabel}
          onCancel={() => setAsking(false)}
          onConfirm={() => {
            setAsking(false);
            onConfirm();
          }}
        />
      ) : null}
    </>
  );
}
