import { createServer } from 'node:net';

/**
 * A free TCP port on loopback, as the kernel hands one out: tests that start servers take one
 * each, so that test files (and other checkouts' test runs) on the same machine never collide.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
