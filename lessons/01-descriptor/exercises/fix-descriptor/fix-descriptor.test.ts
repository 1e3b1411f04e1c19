import { describe, it } from 'vitest';
import { validateDescriptor } from '../../../../src/connect/descriptor.ts';
import { expectRule, failRule } from '../../../runner/practice/expect-rule.ts';
import { descriptor } from './descriptor.ts';

/** Bitbucket's objections, as the lab's validator words them (src/connect/descriptor.ts, live rules). */
function problems(): string[] {
  try {
    validateDescriptor(descriptor, { live: true });
    return [];
  } catch (error) {
    return [...((error as { problems?: string[] }).problems ?? [(error as Error).message])];
  }
}

/** The rule holds when Bitbucket has no objection matching `about`. */
function expectNoProblem(about: (problem: string) => boolean, what: string): void {
  const found = problems().find(about);
  if (found) failRule(`no objection to ${what}`, found, 'validateDescriptor(descriptor, { live: true })');
}

describe('fix-descriptor', () => {
  it('1. baseUrl is https', () => {
    expectNoProblem((p) => p.startsWith('baseUrl:') && p.includes('https'), 'baseUrl');
  });

  it('2. baseUrl has no trailing slash', () => {
    expectNoProblem((p) => p.startsWith('baseUrl:') && p.includes('ends with "/"'), 'baseUrl');
    expectRule(descriptor.baseUrl, 'https://abc123.ngrok.app', 'descriptor.baseUrl (the app is served at https://abc123.ngrok.app)');
  });

  it('3. the lifecycle URLs are relative to baseUrl', () => {
    expectNoProblem((p) => p.startsWith('lifecycle.'), 'lifecycle');
  });

  it("4. scopes are Bitbucket's scope names", () => {
    expectNoProblem((p) => p.startsWith('scopes'), 'scopes');
    expectRule(descriptor.scopes, ['account', 'repository'], 'descriptor.scopes (reading repositories is what the app needs)');
  });

  it('5. contexts: account, the only one left', () => {
    expectNoProblem((p) => p.startsWith('contexts'), 'contexts');
  });

  it('6. the page URL starts with / and keeps {repository.uuid}', () => {
    expectNoProblem((p) => p.startsWith('modules.'), 'modules');
    expectRule(descriptor.modules.repoPages[0]?.url, '/oauth-callback?repoUuid={repository.uuid}', 'descriptor.modules.repoPages[0].url');
  });

  it('7. Bitbucket accepts the whole descriptor', () => {
    const [first, ...more] = problems();
    if (first) failRule('no problem', `${more.length + 1} problem(s), the first: ${first}`, 'validateDescriptor(descriptor, { live: true })');
  });
});
