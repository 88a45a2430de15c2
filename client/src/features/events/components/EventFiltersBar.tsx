import { EVENT_OUTCOMES } from '@contract/contract.ts';
import { statusLabel } from '../../../components/StatusBadge.tsx';
import { useDebouncedParam, useSearchParamsState } from '../../../lib/use-search-filters.ts';
import { KNOWN_EVENT_TYPES } from '../api/filters.ts';

export function EventFiltersBar() {
  const [params, set] = useSearchParamsState();
  const [type, setType] = useDebouncedParam('type');
  const [userId, setUserId] = useDebouncedParam('userId');
  const [q, setQ] = useDebouncedParam('q');
  const active = ['type', 'outcome', 'userId', 'q', 'from', 'to'].some((k) => params.has(k));

  return (
    <form className="filters" role="search" aria-label="Event filters" onSubmit={(e) => e.preventDefault()}>
      <label className="field">
        <span>Type</span>
        <input list="event-types" value={type} onChange={(e) => setType(e.target.value)} placeholder="any type" />
        <datalist id="event-types">
          {KNOWN_EVENT_TYPES.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
      </label>
      <label className="field">
        <span>Outcome</span>
        <select value={params.get('outcome') ?? ''} onChange={(e) => set({ outcome: e.target.value })}>
          <option value="">any outcome</option>
          {EVENT_OUTCOMES.map((o) => (
            <option key={o} value={o}>
              {statusLabel(o)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>User</span>
        <input value={userId} onChange={(e) => setUserId(e.target.value)} placeholder="user_…" spellCheck={false} />
      </label>
      <label className="field field--grow">
        <span>Text</span>
        <input type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="svix id, user or object id, text in the newest 50,000 payloads" />
      </label>
      {active && (
        <button
          type="button"
          className="button button--link"
          onClick={() => set({ type: null, outcome: null, userId: null, q: null, from: null, to: null })}
        >
          Clear filters
        </button>
      )}
    </form>
  );
}
