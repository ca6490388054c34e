/**
 * Identifiers as the identity graph sees them. Values that clients send when they have no id —
 * and that would merge every such visitor into one person — never count (Segment's identity
 * resolution and PostHog refuse the same list).
 */
export const JUNK_IDS = ['', 'null', 'undefined', 'anonymous', 'guest', '0', '-1', 'nan', 'none', 'nil', '[object object]'] as const;

/** The SQL of the few functions the identity expressions use, per engine. */
export interface IdentityDialect {
  /** Lower-cased, surrounding blanks removed. */
  normalise(expr: string): string;
  concat(...parts: string[]): string;
}

/** `expr`, or NULL when it is missing or a junk value. */
export const cleanId = (dialect: IdentityDialect, expr: string) =>
  `CASE WHEN ${dialect.normalise(expr)} IN (${JUNK_IDS.map((v) => `'${v}'`).join(', ')}) THEN NULL ELSE ${expr} END`;

/**
 * The identifiers of an event, strongest first: the first present is the event's key into the
 * person mapping. User and anonymous ids (and an alias's previous id, which is either) share one
 * namespace, so an alias joins whatever id it names; the others are prefixed by their kind.
 * Columns are those of the lake (`events.ts`) or of the warehouse tables, named by `column`.
 */
export function identifierExpressions(dialect: IdentityDialect, column: (name: IdentifierColumn) => string): string[] {
  const id = (kind: string, name: IdentifierColumn) => {
    const value = column(name);
    return `CASE WHEN (${cleanId(dialect, value)}) IS NULL THEN NULL ELSE ${dialect.concat(`'${kind}:'`, value)} END`;
  };
  return [
    id('id', 'user_id'),
    id('id', 'anonymous_id'),
    `CASE WHEN ${column('type')} = 'alias' THEN ${id('id', 'previous_id')} END`,
    id('device', 'device_id'),
    id('email', 'email'),
    id('phone', 'phone'),
    id('unionid', 'unionid'),
    id('openid', 'openid'),
  ];
}

export type IdentifierColumn = 'type' | 'user_id' | 'anonymous_id' | 'previous_id' | 'device_id' | 'email' | 'phone' | 'unionid' | 'openid';

/** The event's key into the person mapping: its strongest identifier. */
export const keyIdentifier = (dialect: IdentityDialect, column: (name: IdentifierColumn) => string) =>
  `coalesce(${identifierExpressions(dialect, column).join(', ')})`;
