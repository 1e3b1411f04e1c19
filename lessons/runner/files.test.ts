import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/store/memory.ts';
import type { Installation } from '../../src/store/installation.ts';
import { clearProgress, markCompleted, nextLesson, progressPath, readProgress } from './progress.ts';
import { countInstallations, resetLessonData } from './reset.ts';
import { installationFromPayload, installedPayload } from '../../mocks/fixtures/lifecycle.ts';
import { createTranscript, transcriptPath } from './transcript.ts';
import { redactText } from '../../src/redact.ts';

const tempDir = () => mkdtempSync(join(tmpdir(), 'runner-files-'));

const installation: Installation = {
  clientKey: 'ari:cloud:bitbucket::app/{11111111-2222-3333-4444-555555555555}/jwt-grant-tutorial',
  key: 'jwt-grant-tutorial',
  sharedSecret: 'a-shared-secret-of-some-length-0123456789',
  baseUrl: 'https://bitbucket.org',
  baseApiUrl: 'https://api.bitbucket.org',
  productType: 'bitbucket',
  principal: { type: 'team', uuid: '{11111111-2222-3333-4444-555555555555}' },
  installedAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

describe('progress', () => {
  it('starts empty, records completed lessons once and in order', () => {
    const dir = tempDir();
    expect(readProgress(dir)).toEqual({ completed: [] });
    markCompleted(dir, 3);
    markCompleted(dir, 1);
    markCompleted(dir, 3);
    expect(JSON.parse(readFileSync(progressPath(dir), 'utf8'))).toEqual({ completed: [1, 3] });
    expect(nextLesson([1, 2, 3], readProgress(dir))).toBe(2);
    expect(nextLesson([1, 3], readProgress(dir))).toBeUndefined();
  });

  it('reads a damaged file as no progress, and repairs it on the next write', () => {
    const dir = tempDir();
    writeFileSync(progressPath(dir), '{"completed": "all"');
    expect(readProgress(dir)).toEqual({ completed: [] });
    writeFileSync(progressPath(dir), '{"completed": [2, "x", -1, 2]}');
    expect(readProgress(dir)).toEqual({ completed: [2] });
    markCompleted(dir, 1);
    expect(readProgress(dir)).toEqual({ completed: [1, 2] });
  });

  it('creates the data directory owner-only, and never writes through a symlink planted at the old temporary name', () => {
    const dir = join(tempDir(), 'data');
    markCompleted(dir, 1);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(progressPath(dir)).mode & 0o777).toBe(0o600);
    const victim = join(tempDir(), 'victim');
    writeFileSync(victim, 'untouched');
    symlinkSync(victim, `${progressPath(dir)}.${process.pid}.tmp`);
    markCompleted(dir, 2);
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(readProgress(dir)).toEqual({ completed: [1, 2] });
  });

  it('clears', () => {
    const dir = tempDir();
    markCompleted(dir, 1);
    clearProgress(dir);
    expect(existsSync(progressPath(dir))).toBe(false);
  });
});

describe('transcript', () => {
  it('redacts secrets registered after the exchange on the next write, owner-only', () => {
    const dir = join(tempDir(), 'data');
    const secrets = new Set<string>();
    const transcript = createTranscript({ path: transcriptPath(dir, 4), heading: ['npm run lesson 4'], redact: (t) => redactText(t, secrets) });
    const token = 'late-registered-access-token-0123';
    transcript.add('Step 1: Exchange', {
      request: { method: 'GET', url: 'https://api.bitbucket.org/2.0/user', headers: [['authorization', `Bearer ${token}`]], body: undefined },
      response: { status: 200, statusText: 'OK', headers: [], body: '{}' },
    });
    expect(readFileSync(transcript.path, 'utf8')).toContain(token);
    secrets.add(token);
    transcript.write();
    const text = readFileSync(transcript.path, 'utf8');
    expect(text).not.toContain(token);
    expect(text.startsWith('# npm run lesson 4\n\n### Step 1: Exchange\nGET https://api.bitbucket.org/2.0/user\n')).toBe(true);
    expect(transcript.path).toBe(join(dir, 'lesson-04.http'));
    expect(statSync(transcript.path).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('never writes through a symlink planted at the old temporary name, and leaves no temporary file', () => {
    const dir = tempDir();
    const victim = join(tempDir(), 'victim');
    writeFileSync(victim, 'untouched');
    const path = transcriptPath(dir, 3);
    const planted = `${path}.${process.pid}.tmp`;
    symlinkSync(victim, planted);
    const transcript = createTranscript({ path, heading: ['npm run lesson 3'], redact: (t) => t });
    transcript.write();
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(readFileSync(path, 'utf8')).toBe('# npm run lesson 3\n');
    expect(readdirSync(dir).sort()).toEqual(['lesson-03.http', `lesson-03.http.${process.pid}.tmp`]);
  });
});

describe('resetLessonData', () => {
  const simulated = installationFromPayload(installedPayload({ appKey: 'jwt-grant-tutorial', sharedSecret: 'simulated-shared-secret-0123456789' }));

  it('clears progress and transcripts; other files stay', async () => {
    const dir = tempDir();
    markCompleted(dir, 1);
    writeFileSync(join(dir, 'lesson-01.http'), 'x');
    writeFileSync(join(dir, 'lesson-1.http.bak'), 'x');
    const result = await resetLessonData({ dataDir: dir, store: createMemoryStore() });
    expect(result).toEqual({ transcripts: 1, installations: 0, keptInstallations: 0 });
    expect(readProgress(dir).completed).toEqual([]);
    expect(existsSync(join(dir, 'lesson-01.http'))).toBe(false);
    expect(existsSync(join(dir, 'lesson-1.http.bak')), 'only transcript names are removed').toBe(true);
  });

  it('deletes the installations the simulated Bitbucket made, and keeps one captured from real Bitbucket', async () => {
    const store = createMemoryStore([installation, simulated]);
    const result = await resetLessonData({ dataDir: tempDir(), store });
    expect(result).toEqual({ transcripts: 0, installations: 1, keptInstallations: 1 });
    expect((await store.list()).map((i) => i.clientKey), 'the real installation and its secret survive').toEqual([installation.clientKey]);
  });

  it('counts what it would delete and keep, without deleting', async () => {
    const store = createMemoryStore([installation, simulated]);
    expect(await countInstallations(store)).toEqual({ simulated: 1, real: 1 });
    expect(await store.list()).toHaveLength(2);
  });

  it('does nothing harmful when the data directory does not exist', async () => {
    const result = await resetLessonData({ dataDir: join(tempDir(), 'missing'), store: createMemoryStore() });
    expect(result.transcripts).toBe(0);
  });
});
