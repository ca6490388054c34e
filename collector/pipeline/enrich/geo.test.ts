import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGeoDatabase, type GeoLookup } from './geo';

// MaxMind's databases cannot be downloaded here, so the test writes a small one in MaxMind DB
// format (IPv4 tree, 24-bit records, GeoIP2 City layout) and the real `maxmind` reader opens it.

type Value = string | number | { double: number } | Value[] | { [key: string]: Value };

function encode(value: Value): Buffer {
  const head = (type: number, size: number): Buffer => {
    const ext = type > 7;
    const first = ((ext ? 0 : type) << 5) | (size < 29 ? size : size < 285 ? 29 : 30);
    const extra = size < 29 ? [] : size < 285 ? [size - 29] : [(size - 285) >> 8, (size - 285) & 0xff];
    return Buffer.from([first, ...(ext ? [type - 7] : []), ...extra]);
  };
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(2, bytes.length), bytes]);
  }
  if (typeof value === 'number') {
    const bytes: number[] = [];
    for (let n = value; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
    return Buffer.concat([head(value > 0xffff ? 6 : 5, bytes.length), Buffer.from(bytes)]);
  }
  if (Array.isArray(value)) return Buffer.concat([head(11, value.length), ...value.map(encode)]);
  if ('double' in value && typeof value.double === 'number') {
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleBE(value.double);
    return Buffer.concat([head(3, 8), bytes]);
  }
  const entries = Object.entries(value as Record<string, Value>);
  return Buffer.concat([head(7, entries.length), ...entries.flatMap(([k, v]) => [encode(k), encode(v)])]);
}

function writeMmdb(networks: [cidr: string, record: Value][]): Buffer {
  type Slot = number | { data: number } | undefined;
  const nodes: [Slot, Slot][] = [[undefined, undefined]];
  const data: Buffer[] = [];
  let dataSize = 0;
  for (const [cidr, record] of networks) {
    const [ip, bits] = cidr.split('/') as [string, string];
    const address = ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
    const encoded = encode(record);
    const slot = { data: dataSize };
    data.push(encoded);
    dataSize += encoded.length;
    let node = 0;
    for (let i = 0; i < Number(bits); i++) {
      const bit = Math.floor(address / 2 ** (31 - i)) % 2;
      if (i === Number(bits) - 1) {
        nodes[node]![bit] = slot;
      } else {
        if (typeof nodes[node]![bit] !== 'number') nodes[node]![bit] = nodes.push([undefined, undefined]) - 1;
        node = nodes[node]![bit] as number;
      }
    }
  }
  const count = nodes.length;
  const tree = Buffer.alloc(count * 6);
  const value = (slot: Slot) => (slot === undefined ? count : typeof slot === 'number' ? slot : count + 16 + slot.data);
  nodes.forEach(([left, right], i) => {
    tree.writeUIntBE(value(left), i * 6, 3);
    tree.writeUIntBE(value(right), i * 6 + 3, 3);
  });
  const metadata = encode({
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: 1_790_000_000,
    database_type: 'GeoLite2-City',
    description: { en: 'Touchpoint test database' },
    ip_version: 4,
    languages: ['en'],
    node_count: count,
    record_size: 24,
  });
  return Buffer.concat([tree, Buffer.alloc(16), ...data, Buffer.from([0xab, 0xcd, 0xef]), Buffer.from('MaxMind.com'), metadata]);
}

let dir: string;
let lookup: GeoLookup;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tp-geo-'));
  const path = join(dir, 'city.mmdb');
  await writeFile(
    path,
    writeMmdb([
      [
        '203.0.113.0/24',
        {
          country: { iso_code: 'CN', names: { en: 'China' } },
          subdivisions: [{ iso_code: 'ZJ', names: { en: 'Zhejiang' } }],
          city: { names: { en: 'Hangzhou' } },
          location: { latitude: { double: 30.29 }, longitude: { double: 120.16 }, time_zone: 'Asia/Shanghai' },
        },
      ],
      ['198.51.100.0/25', { country: { iso_code: 'US', names: { en: 'United States' } } }],
    ]),
  );
  lookup = await openGeoDatabase(path);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('openGeoDatabase', () => {
  it('finds country, region, city, coordinates and time zone', () => {
    expect(lookup('203.0.113.77')).toEqual({
      country: 'CN',
      region: 'Zhejiang',
      city: 'Hangzhou',
      latitude: 30.29,
      longitude: 120.16,
      timezone: 'Asia/Shanghai',
    });
    expect(lookup('198.51.100.5')).toEqual({ country: 'US' });
  });

  it('answers nothing for addresses it does not hold or cannot read', () => {
    expect(lookup('198.51.100.200')).toBeUndefined();
    expect(lookup('10.0.0.1')).toBeUndefined();
    expect(lookup('2001:db8::1')).toBeUndefined();
    expect(lookup('not an ip')).toBeUndefined();
  });
});
