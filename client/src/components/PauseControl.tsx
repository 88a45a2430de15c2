interface PauseControlProps {
  paused: boolean;
  newCount: number;
  onPause: () => void;
  onResume: () => void;
  status?: string;
}

/** Pause freezes the view (new items keep arriving in the cache and are counted); Resume shows them. */
export function PauseControl({ paused, newCount, onPause, onResume, status }: PauseControlProps) {
  return (
    <div className="pause-control">
      {paused ? (
        <button type="button" className="button button--primary" onClick={onResume}>
          Resume
        </button>
      ) : (
        <button type="button" className="button" onClick={onPause}>
          Pause
        </button>
      )}
      <span className="muted small" aria-live="polite" role="status">
        {paused
          ? newCount === 0
            ? 'Paused — no new items yet'
            : `Paused — ${newCount.toLocaleString()} new ${newCount === 1 ? 'item' : 'items'}`
          : (status ?? 'Live')}
      </span>
    </div>
  );
}
