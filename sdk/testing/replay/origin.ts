/** The rest of `value` after `origin` when it is a URL on that origin (`/path`, `?q`, or nothing), else undefined. */
export function pathOnOrigin(value: string, origin: string): string | undefined {
  if (!value.startsWith(origin)) return undefined;
  const rest = value.slice(origin.length);
  return rest === '' || /^[/?#]/.test(rest) ? rest : undefined;
}
