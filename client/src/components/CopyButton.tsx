import { useEffect, useState } from 'react';

/** Copies a value (a secret shown once, an id) to the clipboard and says so. */
export function CopyButton({
  value,
  label = 'Copy',
  className = 'button button--small',
}: {
  value: string;
  label?: string;
  className?: string;
}) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const t = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(t);
  }, [state]);
  return (
    <button
      type="button"
      className={className}
      onClick={() => {
        if (!navigator.clipboard) return setState('failed');
        navigator.clipboard.writeText(value).then(
          () => setState('copied'),
          () => setState('failed'),
        );
      }}
    >
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed: select it' : label}
      <span className="visually-hidden" role="status">
        {state === 'copied' ? ' — copied to the clipboard' : ''}
      </span>
    </button>
  );
}
