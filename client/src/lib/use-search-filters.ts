import { useCallback, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';

/**
 * Filters live in the URL (shareable, back button works). `set` pushes a history entry for deliberate choices
 * (selects, toggles); typed text goes through `useDebouncedParam`, which replaces instead.
 */
export function useSearchParamsState() {
  const [params, setParams] = useSearchParams();
  const set = useCallback(
    (changes: Record<string, string | null | undefined>, options: { replace?: boolean } = {}) => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          for (const [k, v] of Object.entries(changes)) {
            if (v === undefined || v === null || v === '') next.delete(k);
            else next.set(k, v);
          }
          return next;
        },
        { replace: options.replace ?? false },
      );
    },
    [setParams],
  );
  return [params, set] as const;
}

/** A text input bound to one search param, written to the URL 300 ms after typing stops. */
export function useDebouncedParam(name: string, delay = 300) {
  const [params, set] = useSearchParamsState();
  const urlValue = params.get(name) ?? '';
  const [value, setValue] = useState(urlValue);
  const [lastUrlValue, setLastUrlValue] = useState(urlValue);
  // the URL changed from elsewhere (back button, "Clear filters"): follow it
  if (urlValue !== lastUrlValue) {
    setLastUrlValue(urlValue);
    setValue(urlValue);
  }
  useEffect(() => {
    if (value === urlValue) return;
    const t = setTimeout(() => set({ [name]: value || null }, { replace: true }), delay);
    return () => clearTimeout(t);
  }, [value, urlValue, name, delay, set]);
  return [value, setValue] as const;
}

export function pickEnum<T extends string>(value: string | null, allowed: readonly T[]): T | undefined {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
}
