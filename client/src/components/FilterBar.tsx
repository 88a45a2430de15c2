import { useDebouncedParam, useSearchParamsState } from '../lib/use-search-filters.ts';

/** Typed text, written to the URL once typing stops. */
interface TextFilter {
  kind: 'text';
  param: string;
  label: string;
  placeholder: string;
  /** a search box (type="search", with its clear button) */
  search?: boolean;
  size?: 'grow' | 'narrow';
  /** ids, emails, codes: no red squiggles */
  noSpellCheck?: boolean;
  /** values offered as the operator types (any other value can still be typed) */
  suggestions?: { id: string; values: readonly string[] };
  /** digits only, at most this many (an HTTP status code) */
  digits?: number;
}

/** One value of a fixed list, or any. */
interface SelectFilter {
  kind: 'select';
  param: string;
  label: string;
  /** the text of the "no filter" option, e.g. "any outcome" */
  any: string;
  options: readonly { value: string; label: string }[];
}

/** A pressed/unpressed button that sets `param=true`. */
interface ToggleFilter {
  kind: 'toggle';
  param: string;
  label: string;
}

/** A time range: `from` and `to` (ISO) in the URL, set by a preset or by two date-time inputs. */
interface TimeRangeFilter {
  kind: 'timeRange';
  label: string;
}

export type FilterField = TextFilter | SelectFilter | ToggleFilter | TimeRangeFilter;

const RANGE_PRESETS = [
  { label: 'last 15 minutes', ms: 15 * 60_000 },
  { label: 'last hour', ms: 3_600_000 },
  { label: 'last 24 hours', ms: 86_400_000 },
  { label: 'last 7 days', ms: 7 * 86_400_000 },
] as const;

/** `2026-12-01T05:12` in the browser's zone (what datetime-local shows) from ISO, and back. */
const toLocalInput = (iso: string | null): string => {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocalInput = (value: string): string | null => (value ? new Date(value).toISOString() : null);

function TimeRange({ field }: { field: TimeRangeFilter }) {
  const [params, set] = useSearchParamsState();
  const from = params.get('from');
  const to = params.get('to');
  return (
    <fieldset className="field time-range">
      <legend>{field.label}</legend>
      <select
        aria-label={`${field.label}: preset`}
        value=""
        onChange={(e) => {
          const ms = Number(e.target.value);
          if (ms) set({ from: new Date(Date.now() - ms).toISOString(), to: null });
          else set({ from: null, to: null });
        }}
      >
        <option value="">{from || to ? 'custom range' : 'any time'}</option>
        {RANGE_PRESETS.map((p) => (
          <option key={p.ms} value={p.ms}>
            {p.label}
          </option>
        ))}
        {(from || to) && <option value="0">any time</option>}
      </select>
      <label>
        <span className="visually-hidden">{field.label}: from</span>
        <input
          type="datetime-local"
          aria-label={`${field.label}: from`}
          value={toLocalInput(from)}
          onChange={(e) => set({ from: fromLocalInput(e.target.value) })}
        />
      </label>
      <label>
        <span className="visually-hidden">{field.label}: to</span>
        <input
          type="datetime-local"
          aria-label={`${field.label}: to`}
          value={toLocalInput(to)}
          onChange={(e) => set({ to: fromLocalInput(e.target.value) })}
        />
      </label>
    </fieldset>
  );
}

/** The options of a select filter, from a list of values and how to show one. */
export function filterOptions<V extends string>(
  values: readonly V[],
  label: (value: V) => string,
): SelectFilter['options'] {
  return values.map((value) => ({ value, label: label(value) }));
}

interface FilterBarProps {
  /** the form's accessible name, e.g. "Event filters" */
  label: string;
  fields: readonly FilterField[];
  /** filters with no control here that links may still set (a time range); "Clear filters" clears them too */
  hiddenParams?: readonly string[];
}

/** A list page's filters, described as data and bound to the URL's search params. */
export function FilterBar({ label, fields, hiddenParams = [] }: FilterBarProps) {
  const [params, set] = useSearchParamsState();
  const names = [...fields.flatMap((f) => (f.kind === 'timeRange' ? ['from', 'to'] : [f.param])), ...hiddenParams];
  return (
    <form className="filters" role="search" aria-label={label} onSubmit={(e) => e.preventDefault()}>
      {fields.map((field) => {
        switch (field.kind) {
          case 'text':
            return <TextInput key={field.param} field={field} />;
          case 'select':
            return (
              <label key={field.param} className="field">
                <span>{field.label}</span>
                <select value={params.get(field.param) ?? ''} onChange={(e) => set({ [field.param]: e.target.value })}>
                  <option value="">{field.any}</option>
                  {field.options.map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </select>
              </label>
            );
          case 'timeRange':
            return <TimeRange key="timeRange" field={field} />;
          case 'toggle': {
            const on = params.get(field.param) === 'true';
            return (
              <button
                key={field.param}
                type="button"
                className="button button--toggle"
                aria-pressed={on}
                onClick={() => set({ [field.param]: on ? null : 'true' })}
              >
                {field.label}
              </button>
            );
          }
        }
      })}
      {names.some((k) => params.has(k)) && (
        <button
          type="button"
          className="button button--link"
          onClick={() => set(Object.fromEntries(names.map((k) => [k, null])))}
        >
          Clear filters
        </button>
      )}
    </form>
  );
}

function TextInput({ field }: { field: TextFilter }) {
  const [value, setValue] = useDebouncedParam(field.param);
  const { digits, suggestions } = field;
  return (
    <label className={field.size ? `field field--${field.size}` : 'field'}>
      <span>{field.label}</span>
      <input
        type={field.search ? 'search' : undefined}
        list={suggestions?.id}
        value={value}
        onChange={(e) => setValue(digits === undefined ? e.target.value : e.target.value.replace(/\D/g, ''))}
        placeholder={field.placeholder}
        spellCheck={field.noSpellCheck ? false : undefined}
        {...(digits === undefined ? {} : { inputMode: 'numeric', pattern: '[0-9]*', maxLength: digits })}
      />
      {suggestions && (
        <datalist id={suggestions.id}>
          {suggestions.values.map((v) => (
            <option key={v} value={v} />
          ))}
        </datalist>
      )}
    </label>
  );
}
