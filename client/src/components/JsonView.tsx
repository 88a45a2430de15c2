import { useMemo } from 'react';
import { JsonView as LiteJsonView, allExpanded, collapseAllNested, defaultStyles } from 'react-json-view-lite';
import 'react-json-view-lite/dist/index.css';
import { capDepth } from '../lib/json-depth.ts';

// The library's layout classes with our own colour classes, so the viewer follows the light/dark theme.
const style: typeof defaultStyles = {
  ...defaultStyles,
  container: 'json-view',
  label: 'json-view__label',
  clickableLabel: `${defaultStyles.clickableLabel} json-view__label`,
  nullValue: 'json-view__null',
  undefinedValue: 'json-view__null',
  stringValue: 'json-view__string',
  booleanValue: 'json-view__boolean',
  numberValue: 'json-view__number',
  otherValue: 'json-view__other',
  punctuation: 'json-view__punctuation',
};

/**
 * Collapsible JSON; nested levels start collapsed past `expandLevels`. Non-objects render as plain text. The tree
 * renders recursively, so data is cut at MAX_JSON_DEPTH levels first (deeper parts show as a marker).
 */
export function JsonView({
  data: raw,
  label,
  expandLevels = 2,
}: {
  data: unknown;
  label: string;
  expandLevels?: number | 'all';
}) {
  const data = useMemo(() => capDepth(raw), [raw]);
  if (data === null || typeof data !== 'object') {
    return <pre className="code-block">{JSON.stringify(data, null, 2) ?? String(data)}</pre>;
  }
  const shouldExpandNode =
    expandLevels === 'all' ? allExpanded : (level: number) => (level < expandLevels ? true : collapseAllNested(level));
  return (
    <div className="json-frame">
      <LiteJsonView data={data} style={style} shouldExpandNode={shouldExpandNode} aria-label={label} />
    </div>
  );
}
