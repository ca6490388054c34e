import type { z } from 'zod';

/** True only where the zod schema accepts the value and would return it unchanged. */
export type Acceptor = (value: unknown) => boolean;

/**
 * Compiles a zod schema into a plain predicate for the hot path: zod's `safeParse` costs about
 * 5 µs per event, most of it building a copy; this costs a fraction and copies nothing. It is
 * conservative: whatever it does not answer for sure (unknown keys zod would strip, any schema
 * construct it does not know) is `false`, and the caller asks zod, which stays the authority and
 * words the errors. `compiled-schema.test.ts` checks the promise against zod on a mutated corpus.
 */
export function compileAcceptor(schema: z.ZodType): Acceptor {
  return compile(schema) ?? (() => false);
}

type Def = {
  type: string;
  checks?: {
    _zod: {
      def: {
        check: string;
        minimum?: number;
        maximum?: number;
        format?: string;
        pattern?: RegExp;
        fn?: (v: unknown) => unknown;
        abort?: boolean;
        when?: unknown;
      };
    };
  }[];
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  innerType?: z.ZodType;
  element?: z.ZodType;
  values?: unknown[];
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  format?: string;
  pattern?: RegExp;
};

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/** `undefined` where the schema uses something this compiler does not know: never accept then. */
function compile(schema: z.ZodType): Acceptor | undefined {
  const def = defOf(schema);
  switch (def.type) {
    case 'unknown':
      return () => true;
    case 'number':
      return def.checks?.length ? undefined : (v) => typeof v === 'number' && Number.isFinite(v);
    case 'literal': {
      const values = def.values ?? [];
      return (v) => values.includes(v);
    }
    case 'optional': {
      const inner = compile(def.innerType!);
      return inner && ((v) => v === undefined || inner(v));
    }
    case 'string':
      return compileString(def);
    case 'record': {
      const value = compile(def.valueType!);
      // Keys from JSON are strings; `__proto__` is left to zod, whose copy treats it differently.
      if (defOf(def.keyType!).type !== 'string' || defOf(def.keyType!).checks?.length || !value) return undefined;
      return (v) => {
        if (!isPlainObject(v) || Object.hasOwn(v, '__proto__')) return false;
        for (const key in v) if (!value(v[key])) return false;
        return true;
      };
    }
    case 'object':
      return compileObject(def);
    case 'array': {
      const item = compile(def.element!);
      return def.checks?.length || !item ? undefined : (v) => Array.isArray(v) && v.every(item);
    }
    case 'union': {
      if (!def.discriminator) return undefined;
      return compileDiscriminated(def.discriminator, def.options!);
    }
    default:
      return undefined;
  }
}

function compileString(def: Def): Acceptor | undefined {
  let min = 0;
  let max = Infinity;
  const patterns: RegExp[] = def.format && def.pattern ? [def.pattern] : [];
  if (def.format && !def.pattern) return undefined;
  for (const check of def.checks ?? []) {
    const c = check._zod.def;
    // (zod's length checks carry a `when` that skips values without a length: a string has one)
    if (c.check === 'min_length') min = Math.max(min, c.minimum!);
    else if (c.check === 'max_length') max = Math.min(max, c.maximum!);
    else if (c.check === 'string_format' && c.pattern && !c.when) patterns.push(c.pattern);
    else return undefined;
  }
  return (v) => typeof v === 'string' && v.length >= min && v.length <= max && patterns.every((p) => p.test(v));
}

function compileObject(def: Def): Acceptor | undefined {
  const fields: [string, Acceptor][] = [];
  for (const [key, field] of Object.entries(def.shape!)) {
    const accept = compile(field);
    if (!accept) return undefined;
    fields.push([key, accept]);
  }
  // A loose object keeps unknown keys (catchall unknown); a strict-by-default one strips them,
  // which changes the value: then zod decides.
  const catchall = def.catchall && defOf(def.catchall).type === 'unknown';
  if (def.catchall && !catchall) return undefined;
  const refinements: ((v: unknown) => unknown)[] = [];
  for (const check of def.checks ?? []) {
    const c = check._zod.def;
    if (c.check !== 'custom' || !c.fn || c.when) return undefined;
    refinements.push(c.fn);
  }
  // Generated code, like zod's own fast path: each field read is a named property load V8 can
  // cache per shape, where a loop over the keys would make every read a generic lookup (3x slower).
  const source = [
    'if (!isPlainObject(v)) return false;',
    'let present = 0, x;',
    ...fields.map(([key], i) => `x = v[${JSON.stringify(key)}]; if (x !== undefined) present++; if (!field${i}(x)) return false;`),
    // Any key beyond the known ones present (JSON has no undefined values) is one zod would strip.
    catchall ? '' : 'let keys = 0; for (const _ in v) keys++; if (keys !== present) return false;',
    ...refinements.map((_, i) => `if (refine${i}(v) !== true) return false;`),
    'return true;',
  ].join('\n');
  const names = ['isPlainObject', ...fields.map((_, i) => `field${i}`), ...refinements.map((_, i) => `refine${i}`)];
  const make = new Function(...names, `return (v) => {\n${source}\n};`) as (...args: unknown[]) => Acceptor;
  return make(isPlainObject, ...fields.map(([, accept]) => accept), ...refinements);
}

function compileDiscriminated(discriminator: string, options: z.ZodType[]): Acceptor | undefined {
  const byValue = new Map<unknown, Acceptor>();
  for (const option of options) {
    const def = defOf(option);
    const tag = def.shape?.[discriminator];
    const accept = compile(option);
    if (!tag || defOf(tag).type !== 'literal' || !accept) return undefined;
    for (const value of defOf(tag).values ?? []) byValue.set(value, accept);
  }
  return (v) => {
    if (!isPlainObject(v)) return false;
    const accept = byValue.get(v[discriminator]);
    return accept !== undefined && accept(v);
  };
}
