/**
 * The sandbox's memo of what it derives from a spec (an account's models, a region's, an organization): the value
 * for `key`, made once; when the cache holds `max`, the oldest entry goes first.
 */
export function remember<K, T>(cache: Map<K, T>, key: K, make: () => T, max: number): T {
  let value = cache.get(key);
  if (value === undefined) {
    if (cache.size >= max) cache.delete(cache.keys().next().value as K);
    value = make();
    cache.set(key, value);
  }
  return value;
}
