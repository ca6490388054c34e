import { describe, expect, it } from 'vitest';
import { importOptional, MissingPackageError } from './optional-import';

describe('importOptional', () => {
  it('names the package to install when it is missing', async () => {
    // @ts-expect-error: a package that does not exist, as pg does after npm install --omit=optional
    const missing = importOptional(() => import('touchpoint-no-such-driver'), 'touchpoint-no-such-driver', 'the PostgreSQL sink');
    await expect(missing).rejects.toBeInstanceOf(MissingPackageError);
    await expect(missing).rejects.toThrow(
      'the PostgreSQL sink needs the optional package "touchpoint-no-such-driver", which is not installed: npm install touchpoint-no-such-driver',
    );
  });

  it('loads an installed one, and passes other errors on', async () => {
    expect((await importOptional(() => import('pg'), 'pg', 'the PostgreSQL sink')).default.Pool).toBeTypeOf('function');
    await expect(importOptional(() => Promise.reject(new Error('boom')), 'pg', 'x')).rejects.toThrow('boom');
  });
});
