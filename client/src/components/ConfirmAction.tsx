import { useId, useState, type ReactNode } from 'react';

interface ConfirmActionProps {
  /** the button that starts it: "Disable", "Fix all" */
  label: string;
  /** what will happen, shown before the operator confirms once */
  consequence: ReactNode;
  /** the confirming button: "Disable ops@example.com" */
  confirmLabel: string;
  onConfirm: () => void;
  disabled?: boolean;
  pending?: boolean;
  danger?: boolean;
  className?: string;
}

/**
 * A bulk or irreversible action: the first click says what will happen, the second does it (once). Inline
 * rather than a modal, so it reads the same at 390 px and keeps the page's context in view.
 */
export function ConfirmAction({
  label,
  consequence,
  confirmLabel,
  onConfirm,
  disabled,
  pending,
  danger = false,
  className = 'button',
}: ConfirmActionProps) {
  const [asking, setAsking] = useState(false);
  const id = useId();
  if (!asking) {
    return (
      <button type="button" className={className} disabled={disabled || pending} onClick={() => setAsking(true)}>
        {pending ? `${label}…` : label}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-labelledby={id}>
      <span id={id} className="confirm__text">
        {consequence}
      </span>
      <button
        type="button"
        className={danger ? 'button button--danger' : 'button button--primary'}
        autoFocus
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" className="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
