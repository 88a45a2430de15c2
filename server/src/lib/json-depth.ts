// JSON nesting limits. Clerk's events nest a handful of levels (a session's user's metadata is the deepest); a
// hostile body can nest thousands, which JSON.parse survives but JSON.stringify, microdiff and a browser's tree
// view do not (they recurse). Webhooks deeper than MAX_JSON_DEPTH are refused; stored JSON written before that
// rule is cut at the limit when it is shown. Both helpers are loops, never recursion.

/** How deep a webhook body may nest objects and arrays (`{"a":{}}` is 2). */
export const MAX_JSON_DEPTH = 64;

/** What a subtree below the limit is replaced by when stored JSON is shown. */
export const DEPTH_CAPPED = `[nested deeper than ${MAX_JSON_DEPTH} levels: not shown]`;

/**
 * True when the JSON text nests deeper than `max`. One pass over the characters, nothing allocated; stops at the
 * first level past `max`. Brackets inside strings do not count. Not a validator: run it before or after parsing.
 */
export function jsonDeeperThan(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/** A copy of `value` with every object or array below depth `max` replaced by DEPTH_CAPPED (iterative). */
export function capJsonDepth(value: unknown, max = MAX_JSON_DEPTH): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const root: unknown[] = [undefined];
  // [source, parent container, key in the parent, depth of source]
  const stack: [unknown, Record<string, unknown> | unknown[], string | number, number][] = [[value, root, 0, 1]];
  while (stack.length > 0) {
    const [src, parent, key, depth] = stack.pop()!;
    let out: unknown;
    if (typeof src !== 'object' || src === null) {
      out = src;
    } else if (depth > max) {
      out = DEPTH_CAPPED;
    } else if (Array.isArray(src)) {
      const arr: unknown[] = new Array<unknown>(src.length);
      src.forEach((child, i) => stack.push([child, arr, i, depth + 1]));
      out = arr;
    } else {
      const obj: Record<string, unknown> = {};
      for (const [k, child] of Object.entries(src)) {
        // defineProperty: a "__proto__" key from JSON.parse stays a plain key, as it was in the source
        Object.defineProperty(obj, k, { value: undefined, writable: true, enumerable: true, configurable: true });
        stack.push([child, obj, k, depth + 1]);
      }
      out = obj;
    }
    (parent as Record<string | number, unknown>)[key] = out;
  }
  return root[0];
}

/** JSON.parse of stored text, cut at `max` levels when it nests deeper (legacy rows); `capped` says whether it was. */
export function parseStoredJson(text: string, max = MAX_JSON_DEPTH): { value: unknown; capped: boolean } {
  const value: unknown = JSON.parse(text);
  return jsonDeeperThan(text, max) ? { value: capJsonDepth(value, max), capped: true } : { value, capped: false };
}
