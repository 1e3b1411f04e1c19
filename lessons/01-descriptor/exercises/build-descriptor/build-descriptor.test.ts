import { describe, it } from 'vitest';
import { validateDescriptor } from '../../../../src/connect/descriptor.ts';
import { expectRule, failRule } from '../../../runner/practice/expect-rule.ts';
import { buildDescriptor } from './build-descriptor.ts';

const APP_KEY = 'jwt-grant-tutorial';
const BASE_URL = 'https://abc123.ngrok.app';
const descriptor = () => buildDescriptor({ appKey: APP_KEY, baseUrl: BASE_URL });
const page = () => descriptor().modules.repoPages?.[0];

describe('build-descriptor', () => {
  it('1. key is the app key', () => {
    expectRule(buildDescriptor({ appKey: 'my-app', baseUrl: BASE_URL }).key, 'my-app', "buildDescriptor({ appKey: 'my-app', ... }).key");
  });

  it('2. baseUrl is the public URL, without a trailing slash', () => {
    expectRule(descriptor().baseUrl, BASE_URL, `buildDescriptor({ baseUrl: '${BASE_URL}' }).baseUrl`);
    expectRule(buildDescriptor({ appKey: APP_KEY, baseUrl: `${BASE_URL}/` }).baseUrl, BASE_URL, `buildDescriptor({ baseUrl: '${BASE_URL}/' }).baseUrl`);
  });

  it('3. the lifecycle URLs are relative to baseUrl', () => {
    expectRule(descriptor().lifecycle, { installed: '/installed', uninstalled: '/uninstalled' }, 'descriptor.lifecycle');
  });

  it('4. scopes: the account and its repositories, read-only', () => {
    expectRule(descriptor().scopes, ['account', 'repository'], 'descriptor.scopes');
  });

  it('5. contexts: the app belongs to the workspace that installs it', () => {
    expectRule(descriptor().contexts, ['account'], 'descriptor.contexts');
  });

  it("6. a repository page, in the repository's navigation", () => {
    const { key, name, location } = page() ?? {};
    expectRule({ key, name, location }, { key: 'jwt-grant', name: { value: 'JWT Authorization Grant' }, location: 'org.bitbucket.repository.navigation' }, 'descriptor.modules.repoPages[0]: key, name, location');
  });

  it('7. the page URL carries the repository UUID, a context parameter', () => {
    expectRule(page()?.url, '/oauth-callback?repoUuid={repository.uuid}', 'descriptor.modules.repoPages[0].url');
  });

  it('8. Bitbucket accepts it', () => {
    try {
      validateDescriptor(descriptor(), { live: true });
    } catch (error) {
      const problems = (error as { problems?: string[] }).problems ?? [(error as Error).message];
      failRule('no problem', `${problems.length} problem(s): ${problems[0]}`, "validateDescriptor(descriptor, { live: true }) (src/connect/descriptor.ts)");
    }
  });
});
