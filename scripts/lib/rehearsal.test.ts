import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeGracefully, listenOnLoopback } from '../../mocks/fake-bitbucket/ports.ts';
import { installThroughPages } from '../../mocks/fake-bitbucket/test-support.ts';
import { collectLogs } from '../../test/support/collect-logs.ts';
import { guardNetwork } from '../../test/support/network-guard.ts';
import { startRehearsal } from './rehearsal.ts';

describe('startRehearsal', () => {
  let unguard: () => void;
  let dataDir: string;
  const busy = createServer();
  let busyPort = 0;

  beforeAll(async () => {
    unguard = guardNetwork();
    busyPort = Number(new URL(await listenOnLoopback(busy, { port: 0, variable: 'PORT' })).port);
  });
  afterAll(async () => {
    await closeGracefully(busy, { timeoutMs: 100 });
    unguard();
  });
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'rehearsal-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('wires the app to the fake: BASE_URL, BITBUCKET_URL and the install form agree', async () => {
    const rehearsal = await startRehearsal({ dataDir, appPort: 0, fakePort: 0, env: { SCENARIO: 'slow' }, logger: collectLogs().logger });
    try {
      const descriptor = (await (await fetch(`${rehearsal.appUrl}/atlassian-connect.json`)).json()) as { baseUrl: string };
      expect(descriptor.baseUrl).toBe(rehearsal.appUrl);
      // The app lets the fake frame its pages: its CSP names the fake's origin.
      const csp = (await fetch(`${rehearsal.appUrl}/healthcheck`)).headers.get('content-security-policy') ?? '';
      expect(csp).toContain(`frame-ancestors 'self' https://bitbucket.org ${rehearsal.fakeUrl}`);
      expect(await (await fetch(`${rehearsal.fakeUrl}/site/addons/install`)).text()).toContain(`value="${rehearsal.appUrl}"`);
      expect(rehearsal.fake.mock.state.scenario).toBe('slow');
      // The lesson notes the rehearse command points to: the app is given the lab's course.
      expect((await fetch(`${rehearsal.appUrl}/lessons/1`)).status).toBe(200);
    } finally {
      await rehearsal.close();
    }
  });

  it('forgets the installations of the previous rehearsal, which the restarted fake no longer knows', async () => {
    const first = await startRehearsal({ dataDir, appPort: 0, fakePort: 0, env: {}, logger: collectLogs().logger });
    try {
      expect((await installThroughPages(first.fakeUrl, first.appUrl)).granted.status).toBe(200);
      expect(await first.store.list()).toHaveLength(1);
    } finally {
      await first.close();
    }
    const second = await startRehearsal({ dataDir, appPort: 0, fakePort: 0, env: {}, logger: collectLogs().logger });
    try {
      expect(second.forgotten).toBe(1);
      // So installing again works, instead of the app refusing a new secret for a known clientKey.
      expect((await installThroughPages(second.fakeUrl, second.appUrl)).granted.status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it.each(['PORT', 'FAKE_BITBUCKET_PORT'])('names %s when its port is in use, and leaves nothing running', async (variable) => {
    const appPort = variable === 'PORT' ? busyPort : 0;
    const fakePort = variable === 'FAKE_BITBUCKET_PORT' ? busyPort : 0;
    await expect(startRehearsal({ dataDir, appPort, fakePort, env: {}, logger: collectLogs().logger })).rejects.toMatchObject({
      code: 'ERR_PORT_IN_USE',
      variable,
    });
    // Everything started before the failure was stopped: a new rehearsal starts cleanly.
    const rehearsal = await startRehearsal({ dataDir, appPort: 0, fakePort: 0, env: {}, logger: collectLogs().logger });
    await rehearsal.close();
  });

  it('refuses an invalid SCENARIO before starting anything', async () => {
    await expect(startRehearsal({ dataDir, appPort: busyPort, fakePort: busyPort, env: { SCENARIO: 'banana' } })).rejects.toMatchObject({
      code: 'ERR_CONFIG',
      message: expect.stringContaining('SCENARIO="banana"'),
    });
  });
});
