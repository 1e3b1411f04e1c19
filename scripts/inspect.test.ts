import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { appClaims, productClaims, qshOf, referenceCanonical, signHs256 } from '../test/fixtures/mistaken-signers.ts';
import { createMemoryStore } from '../src/store/memory.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';
import { makeInstallation } from '../test/support/store/installations.ts';
import { runInspectCli, type InspectCliIo } from './inspect.ts';

/**
 * `npm run inspect`: in-process for the arguments and the secret rules, and as a child process
 * (`node --import tsx scripts/inspect.ts`) for the exit codes a shell sees.
 */

const installation = makeInstallation('cli', { sharedSecret: 'cli-test-stored-shared-secret-0123456789' });
const ENV_SECRET = 'cli-test-secret-from-the-environment-0123';
const TOKEN_URL = 'https://bitbucket.org/site/oauth2/access_token';

/** An app token for the token endpoint, signed by the reference signer (not the lab's code). */
function appToken(secret: string, clientKey = installation.clientKey, url = TOKEN_URL, method = 'POST') {
  return signHs256(appClaims({ appKey: installation.key, clientKey, qsh: qshOf(referenceCanonical({ method, url })), nowMs: Date.now() }), secret);
}

async function run(args: string[], o: Partial<InspectCliIo> = {}) {
  let out = '';
  let err = '';
  const code = await runInspectCli(args, {
    env: {},
    out: (text) => (out += text),
    err: (text) => (err += text),
    readStdin: async () => '',
    stdinIsTTY: false,
    stdoutIsTTY: false,
    openStore: () => createMemoryStore([installation]),
    ...o,
  });
  return { code, out, err };
}

describe('npm run inspect: arguments and secrets', () => {
  it.each([['--secret', 'sk-from-argv-0123456789'], ['--secret=sk-from-argv-0123456789'], ['--shared-secret', 'sk-from-argv-0123456789'], ['--sharedSecret=sk-from-argv-0123456789']])(
    'refuses a secret on the command line (%s), exit 2, saying why and what to do, without echoing it',
    async (...flag) => {
      const { code, out, err } = await run([appToken(ENV_SECRET), ...flag.filter(Boolean)]);
      expect(code).toBe(2);
      expect(err).toContain('shell history');
      expect(err).toContain('JWT_SECRET');
      expect(err).toContain('npm run installations');
      expect(`${out}${err}`).not.toContain('sk-from-argv-0123456789');
    },
  );

  it('takes the secret from JWT_SECRET and never prints it', async () => {
    const { code, out } = await run([appToken(ENV_SECRET, 'ari:cloud:bitbucket::app/{not-stored}/jwt-grant-tutorial')], { env: { JWT_SECRET: ENV_SECRET } });
    expect(out).toContain('✓ valid with JWT_SECRET');
    expect(out).not.toContain(ENV_SECRET);
    expect(code).toBe(0);
  });

  it('takes the secret of the stored installation the token names', async () => {
    const { code, out } = await run([appToken(installation.sharedSecret)]);
    expect(out).toContain(`✓ valid with the stored installation ${installation.clientKey}`);
    expect(out).not.toContain(installation.sharedSecret);
    expect(code).toBe(0);
  });

  it('without a secret says the signature was not checked, and exits 1', async () => {
    const { code, out } = await run([appToken(ENV_SECRET, 'ari:cloud:bitbucket::app/{not-stored}/jwt-grant-tutorial')]);
    expect(out).toContain('NOT checked');
    expect(out).toContain('? NOT VERIFIED');
    expect(code).toBe(1);
  });

  it('reads the token from stdin, as pasted ("Authorization: JWT …"), with - or with no argument', async () => {
    const token = appToken(installation.sharedSecret);
    for (const args of [['-'], []]) {
      const { code, out } = await run(args, { readStdin: async () => `Authorization: JWT ${token}\n` });
      expect(code, out).toBe(0);
    }
  });

  it('takes the request from a pasted page URL', async () => {
    const claims = productClaims({ clientKey: installation.clientKey, qsh: qshOf('GET&/oauth-callback&repoUuid=%7B1%7D'), nowMs: Date.now() });
    const token = signHs256(claims, installation.sharedSecret);
    const { code, out } = await run([`/oauth-callback?repoUuid=%7B1%7D&jwt=${token}`]);
    expect(out).toContain('✓ matches this request');
    expect(out).not.toContain(token);
    expect(code).toBe(0);
  });

  it.each([
    [['--frob', 'x'], "Unknown option '--frob'"],
    [['a', 'b'], 'One token at a time'],
    [['--method', 'GET', 'x'], 'give its --url too'],
    [['--url', '/x', ' '], 'The token is empty'],
  ])('exits 2 with the usage for %j', async (args, message) => {
    const { code, err } = await run(args);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(err).toContain('Usage: npm run inspect');
  });

  it('exits 2 when there is no token and stdin is a terminal', async () => {
    expect((await run([], { stdinIsTTY: true })).code).toBe(2);
  });

  it('colours only a terminal, and never with NO_COLOR or --no-color', async () => {
    const token = appToken(installation.sharedSecret);
    expect((await run([token], { stdoutIsTTY: true })).out).toContain('\x1b[');
    expect((await run([token], { stdoutIsTTY: true, env: { NO_COLOR: '1' } })).out).not.toContain('\x1b');
    expect((await run([token, '--no-color'], { stdoutIsTTY: true })).out).not.toContain('\x1b');
    expect((await run([token])).out).not.toContain('\x1b');
  });
});

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'inspect-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** `node --import tsx scripts/inspect.ts …`, no terminal, a clean environment. */
function spawnInspect(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(JWT_SECRET|DATA_DIR|BASE_URL|BITBUCKET_URL|APP_KEY|LIVE|FORCE_COLOR)$/.test(name)));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/inspect.ts', ...args], {
      cwd: ROOT,
      env: { ...clean, DATA_DIR: dataDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run inspect as a process: exit codes', () => {
  it('0 for a valid token whose secret is in the store (DATA_DIR)', async () => {
    const store = openSqliteStore({ dataDir });
    await store.save(installation);
    await store.close();
    const { code, stdout } = await spawnInspect([appToken(installation.sharedSecret)]);
    expect(code, stdout).toBe(0);
    expect(stdout).toContain('✓ VALID');
    expect(stdout).not.toContain(installation.sharedSecret);
  });

  it('1 for an invalid one, the reason printed; JWT_SECRET from the environment', async () => {
    const url = 'https://api.bitbucket.org/2.0/repositories/teams-in-space?role=member&pagelen=50';
    const canonical = referenceCanonical({ method: 'GET', url }, ['query-not-sorted']);
    const token = signHs256(appClaims({ appKey: installation.key, clientKey: 'ari:cloud:bitbucket::app/{other}/jwt-grant-tutorial', qsh: qshOf(canonical), nowMs: Date.now() }), ENV_SECRET);
    const { code, stdout } = await spawnInspect([token, '--url', url], { JWT_SECRET: ENV_SECRET });
    expect(code, stdout).toBe(1);
    expect(stdout).toContain('✗ INVALID  Invalid: QSH_QUERY_NOT_SORTED.');
    expect(stdout).not.toContain(ENV_SECRET);
    expect(stdout).not.toContain('\x1b');
  });

  it('2 for a secret given as an argument', async () => {
    const { code, stderr } = await spawnInspect([appToken(ENV_SECRET), '--secret', ENV_SECRET]);
    expect(code).toBe(2);
    expect(stderr).toContain('inspect takes no secret on the command line');
    expect(stderr).not.toContain(ENV_SECRET);
  });
});
