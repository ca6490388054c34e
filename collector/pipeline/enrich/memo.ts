/**
 * Remembers a pure function of a string for the last `size` distinct inputs (the oldest goes
 * first): real traffic repeats a few thousand URLs and user agents. The result is shared by
 * every caller with that input: not to be changed.
 */
export function memo<T>(fn: (key: string) => T, size: number): (key: string) => T {
  const cache = new Map<string, T>();
  // A batch's events mostly repeat the previous one's input: a string compare, not a hash of it.
  let lastKey: string | undefined;
  let lastValue: T;
  return (key) => {
    if (key === lastKey) return lastValue;
    let value: T;
    if (cache.has(key)) value = cache.get(key)!;
    else {
      value = fn(key);
      if (cache.size >= size) cache.delete(cache.keys().next().value!);
      cache.set(key, value);
    }
    lastKey = key;
    lastValue = value;
    return value;
  };
}
