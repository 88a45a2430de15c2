// JSON can nest deeper than the browser can recurse (a payload stored before the server refused deep events):
// the diff and the JSON viewer cut it at MAX_JSON_DEPTH levels first, with a loop, never recursion.

/** The server refuses webhooks nested deeper than this; older stored JSON may be deeper. */
export const MAX_JSON_DEPTH = 64;

/** What a subtree below the limit is shown as. */
export const DEPTH_CAPPED = `[nested deeper than ${MAX_JSON_DEPTH} levels: not shown]`;

/** A copy of `value` with every object or array below depth `max` replaced by DEPTH_CAPPED (`{"a":{}}` is 2 deep). */
export function capDepth(value: unknown, max = MAX_JSON_DEPTH): unknown {
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
      const arr = new Array<unknown>(src.length);
      src.forEach((child, i) => stack.push([child, arr, i, depth + 1]));
      out = arr;
    } else {
      const obj: Record<string, unknown> = {};
      for (const [k, child] of Object.entries(src)) {
        // a "__proto__" key stays a plain key, as JSON.parse made it
        Object.defineProperty(obj, k, { value: undefined, writable: true, enumerable: true, configurable: true });
        stack.push([child, obj, k, depth + 1]);
      }
      out = obj;
    }
    (parent as Record<string | number, unknown>)[key] = out;
  }
  return root[0];
}
