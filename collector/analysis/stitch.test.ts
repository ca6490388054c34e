import { afterEach, describe, expect, it } from 'vitest';
import { stitch } from './stitch';
import type { Written } from './testing/data-folder';
import { engineWith, t } from './testing/engine-with';

let done: (() => Promise<void>) | undefined;
afterEach(() => done?.());
let n = 0;
const ev = (fields: Partial<Written>): Written => ({ id: `s${n++}`, event: 'X', at: t(n), ...fields });

async function graph(events: Written[], maxIds?: number) {
  const opened = await engineWith(events);
  done = opened.done;
  const result = await stitch(opened.engine, maxIds === undefined ? {} : { maxIds });
  const persons = await opened.engine.all<{ identifier: string; person_id: string }>('SELECT identifier, person_id FROM persons ORDER BY identifier');
  const personOf = Object.fromEntries(persons.map((p) => [p.identifier, p.person_id]));
  return { result, personOf };
}

describe('stitch', () => {
  it('links anonymous and user ids, aliases, device ids, hashed e-mails and phones, openid and unionid', async () => {
    const { result, personOf } = await graph([
      ev({ anon: 'a1', user: 'u1' }),
      ev({ type: 'alias', anon: 'a2', previousId: 'a2', user: 'u1' }),
      ev({ anon: 'a3', context: { device: { id: 'd1' } } }),
      ev({ type: 'identify', anon: 'a3', traits: { email: 'f0e1hash' } }),
      ev({ type: 'identify', anon: 'a1', traits: { email: 'f0e1hash', phone: '9a8bhash' } }),
      ev({ type: 'identify', anon: 'mini1', traits: { openid: 'o1', unionid: 'un1' } }),
      ev({ type: 'identify', anon: 'mini2', traits: { openid: 'o2', unionid: 'un1' } }),
      ev({ anon: 'alone' }),
    ]);
    const one = personOf['id:u1'];
    for (const id of ['id:a1', 'id:a2', 'id:a3', 'device:d1', 'email:f0e1hash', 'phone:9a8bhash']) expect(personOf[id]).toBe(one);
    expect(personOf['id:mini1']).toBe(personOf['openid:o2']);
    expect(personOf['id:mini1']).not.toBe(one);
    // u1's component, the mini-program pair's, and the lone device
    expect(result).toEqual({ persons: 3, identifiers: 13, merged: 2, suspicious: [] });
  });

  it('never links on junk values', async () => {
    const junk = ['null', 'undefined', 'anonymous', '0', '-1', '', ' NULL ', '[object Object]'];
    const { result } = await graph(
      junk.flatMap((value, i) => [ev({ anon: `visitor${i}`, user: value }), ev({ anon: `other${i}`, context: { device: { id: value } } })]),
    );
    expect(result.persons).toBe(junk.length * 2);
    expect(result.merged).toBe(0);
  });

  it('reports an identifier linked to more than --max-ids others and does not merge through it', async () => {
    const tablet = Array.from({ length: 6 }, (_, i) => ev({ anon: 'tablet-anon', user: `customer${i}`, context: { device: { id: 'tablet' } } }));
    const { result, personOf } = await graph([...tablet, ev({ anon: 'home', user: 'customer0' })], 5);
    expect(result.suspicious).toEqual([
      { identifier: 'device:tablet', linked: 7 },
      { identifier: 'id:tablet-anon', linked: 7 },
    ]);
    expect(personOf['id:customer0']).toBe(personOf['id:home']);
    expect(new Set(Array.from({ length: 6 }, (_, i) => personOf[`id:customer${i}`])).size).toBe(6);
  });

  it('joins a long chain of aliases into one person, with an id that depends only on the input', async () => {
    const chain = Array.from({ length: 40 }, (_, i) => ev({ type: 'alias', anon: `c${i}`, previousId: `c${i}`, user: `c${i + 1}` }));
    const first = await graph(chain);
    expect(first.result.persons).toBe(1);
    await done!();
    const again = await graph([...chain].reverse());
    expect(again.personOf).toEqual(first.personOf);
  });
});
