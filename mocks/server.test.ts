import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMemoryStore } from '../src/store/memory.ts';
import { startMockServer, type MockServer } from './server.ts';

let local: Server;
let port: number;
let started: MockServer;

beforeAll(async () => {
  local = createServer((request, response) => response.end(`real ${request.method} ${request.url}`));
  await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
  port = (local.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => local.close(() => resolve())));
afterEach(() => {
  started.stop();
  vi.restoreAllMocks();
});

describe('startMockServer', () => {
  it('answers Bitbucket\'s origins in-process', async () => {
    started = startMockServer({ installations: createMemoryStore() });
    const response = await fetch('https://api.bitbucket.org/2.0/user');
    expect(response.status).toBe(401);
    expect(started.mock.state.counts.apiCalls).toBe(1);
  });

  it('lets loopback requests through to the real network', async () => {
    started = startMockServer({ installations: createMemoryStore() });
    expect(await (await fetch(`http://127.0.0.1:${port}/installed`)).text()).toBe('real GET /installed');
    expect(await (await fetch(`http://localhost:${port}/x?y=1`, { method: 'POST', body: 'z' })).text()).toBe('real POST /x?y=1');
  });

  it('fails any other request instead of letting it reach the internet', async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    started = startMockServer({ installations: createMemoryStore() });
    await expect(fetch('https://example.invalid/anything')).rejects.toThrow(/onUnhandledRequest/);
    // A host that merely starts like a loopback name is not loopback.
    await expect(fetch('http://localhost.example.invalid/')).rejects.toThrow(/onUnhandledRequest/);
    expect(printed).toHaveBeenCalled();
  });

  it('plays the scenario it was started with, and stop() is idempotent', async () => {
    started = startMockServer({ installations: createMemoryStore(), scenario: 'slow' });
    expect(started.mock.state.scenario).toBe('slow');
    started.stop();
    expect(() => started.stop()).not.toThrow();
  });
});
