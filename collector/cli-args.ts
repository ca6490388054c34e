import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A wrong argument or an impossible request: the CLI prints the message as one line, exit code 2. */
export class UsageError extends Error {}

/** `node:util` parseArgs, strict, with its errors turned into one-line usage errors. */
export function parseCommandArgs<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  return parseWithPositionals(argv, options, 0).values;
}

/** The same, taking up to `positionals` words besides the options. */
export function parseWithPositionals<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O, positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: positionals > 0 });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]!);
  }
  if (parsed.positionals.length > positionals) throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"`);
  return parsed;
}

/** An integer option within bounds, or a usage error naming it. */
export function integerOption(text: string | undefined, name: string, { min, max }: { min: number; max: number }): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return n;
}
