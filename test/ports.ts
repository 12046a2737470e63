// A port on 127.0.0.1 that nobody listens on, for tests of unreachable servers (ECONNREFUSED).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Binds a free port, remembers it and closes it again. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  await new Promise((ok) => server.close(ok));
  return port;
}
