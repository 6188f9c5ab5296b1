import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';

/** How long a toast stays, in milliseconds; errors stay until dismissed. */
const TOAST_MS = 5000;

export type ToastTone = 'success' | 'error' | 'info';

interface Toast {
  id: number;
  message: string;
  tone: ToastTone;
}

type ShowToast = (message: string, tone?: ToastTone) => void;

const ToastContext = createContext<ShowToast>(() => undefined);

/** Shows the result of an action that has no place of its own on the page ("Token revoked."). */
export function useToast(): ShowToast {
  return useContext(ToastContext);
}

/**
 * Holds the toasts, in a live region that exists from the start so screen
 * readers announce each one as it is added.
 */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);

  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const show = useCallback<ShowToast>(
    (message, tone = 'success') => {
      const id = nextId.current++;
      // At most three at once: the oldest goes.
      setToasts((all) => [...all.slice(-2), { id, message, tone }]);
      if (tone !== 'error') setTimeout(() => dismiss(id), TOAST_MS);
    },
    [dismiss],
  );
  const value = useMemo(() => show, [show]);

  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="toasts" role="status" aria-live="polite" aria-label="Results">
        {toasts.map((toast) => (
          <div key={toast.id} className={`toast toast-${toast.tone}`}>
            <span>{toast.message}</span>
            <button
              type="button"
              className="toast-close"
              aria-label={`Dismiss: ${toast.message}`}
              onClick={() => dismiss(toast.id)}
            >
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}
