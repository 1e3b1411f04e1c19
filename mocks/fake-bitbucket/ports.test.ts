import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { closeGracefully, listenOnLoopback, parsePort } from './ports.ts';

describe('parsePort', () => {
  it('reads a port, or the fallback when unset or blank', () => {
    expect(parsePort({ FAKE_BITBUCKET_PORT: '4100' }, 'FAKE_BITBUCKET_PORT', 4000)).toBe(4100);
    expect(parsePort({}, 'FAKE_BITBUCKET_PORT', 4000)).toBe(4000);
    expect(parsePort({ PORT: ' ' }, 'PORT', 3000)).toBe(3000);
  });

  it.each(['abc', '0', '65536', '-1', '3000.5', '1e3'])('refuses %j, naming the variable', (value) => {
    expect(() => parsePort({ PORT: value }, 'PORT', 3000)).toThrow(
      expect.objectContaining({ code: 'ERR_PORT_INVALID', message: expect.stringMatching(/^PORT=.*\(e\.g\. PORT=3000\)/) }),
    );
  });
});

describe('listenOnLoopback', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => closeGracefully(server, { timeoutMs: 100 })));
  });
  const server = () => {
    const created = createServer((_req, res) => res.end('ok'));
    servers.push(created);
    return created;
  };

  it('listens on 127.0.0.1 and returns the URL with the port bound', async () => {
    const url = await listenOnLoopback(server(), { port: 0, variable: 'PORT' });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(url)).text()).toBe('ok');
  });

  it('names the variable behind a port in use', async () => {
    const first = await listenOnLoopback(server(), { port: 0, variable: 'PORT' });
    const port = Number(new URL(first).port);
    await expect(listenOnLoopback(server(), { port, variable: 'FAKE_BITBUCKET_PORT' })).rejects.toMatchObject({
      code: 'ERR_PORT_IN_USE',
      variable: 'FAKE_BITBUCKET_PORT',
      message: expect.stringContaining(`FAKE_BITBUCKET_PORT=${port} cannot be used`),
    });
  });

  it('refuses any address but loopback, and ports out of range', async () => {
    await expect(listenOnLoopback(server(), { port: 0, host: '0.0.0.0', variable: 'PORT' })).rejects.toMatchObject({ code: 'ERR_FAKE_OPTIONS' });
    await expect(listenOnLoopback(server(), { port: 70000, variable: 'PORT' })).rejects.toMatchObject({ code: 'ERR_FAKE_OPTIONS' });
  });
});

describe('closeGracefully', () => {
  it('lets a request in flight finish, then closes', async () => {
    let release: () => void = () => {};
    let arrived: () => void = () => {};
    const received = new Promise<void>((resolve) => (arrived = resolve));
    const server = createServer((_req, res) => {
      release = () => res.end('done');
      arrived();
    });
    const url = await listenOnLoopback(server, { port: 0, variable: 'PORT' });
    const pending = fetch(url).then((response) => response.text());
    // In flight: the server has the request (a fixed wait may be too short on a loaded machine).
    await received;
    const closed = closeGracefully(server, { timeoutMs: 5000 });
    release();
    expect(await pending).toBe('done');
    await closed;
    expect(server.listening).toBe(false);
    await closeGracefully(server, { timeoutMs: 5000 });
  });

  it('cuts requests still running after the timeout', async () => {
    const server = createServer(() => {});
    const url = await listenOnLoopback(server, { port: 0, variable: 'PORT' });
    const pending = fetch(url).then(
      () => 'answered',
      () => 'cut',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    await closeGracefully(server, { timeoutMs: 20 });
    expect(await pending).toBe('cut');
    expect(server.listening).toBe(false);
  });
});
