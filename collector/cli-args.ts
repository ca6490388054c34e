import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A wrong argument or an impossible request: the CLI prints the message as one line, exit code 2. */
export class UsageError extends Error {}

/** `node:util` parseArgs, strict, with its errors turned into one-line usage errors. */
export function parseCommandArgs<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]!);
  }
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
