import { useEffect, useId, useRef } from 'react';

interface ConfirmDialogProps {
  /** The question, e.g. 'Revoke token "ci"?' */
  prompt: string;
  /** What happens, when the question alone does not say it. */
  detail?: string;
  /** Text of the button that really does it, e.g. "Confirm revoke". */
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}

/**
 * A modal question before a destructive action (role=alertdialog). Focus
 * starts on Cancel, so Enter pressed out of habit does nothing harmful;
 * Escape cancels, and focus goes back to the button that opened it.
 */
export function ConfirmDialog({ prompt, detail, confirmLabel, onConfirm, onCancel }: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const detailId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    cancelRef.current?.focus();
    return () => {
      if (dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      role="alertdialog"
      className="modal confirm-dialog"
      aria-labelledby={titleId}
      aria-describedby={detail ? detailId : undefined}
      onClose={() => {
        if (ref.current?.isConnected && !ref.current.open) onCancel();
      }}
    >
      <h2 id={titleId} className="confirm-title">
        {prompt}
      </h2>
      {detail ? (
        <p id={detailId} className="muted">
          {detail}
        </p>
      ) : null}
      <div className="button-row confirm-actions">
        <button ref={cancelRef} type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="button button-danger" onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
