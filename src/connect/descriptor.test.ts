import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLabError } from '../errors.ts';
import { buildDescriptor, KNOWN_SCOPES, validateDescriptor, type Descriptor } from './descriptor.ts';
import type { DescriptorError } from './errors.ts';

const BASE = { appKey: 'jwt-grant-tutorial', baseUrl: 'https://abc.ngrok.app' };

/** The problems validateDescriptor reports for `value`, or fails the test if it accepts it. */
function problemsOf(value: unknown, live = false): readonly string[] {
  try {
    validateDescriptor(value, { live });
  } catch (error) {
    expect(isLabError(error, 'ERR_DESCRIPTOR_INVALID')).toBe(true);
    return (error as DescriptorError).problems;
  }
  throw new Error('expected the descriptor to be refused');
}

function descriptorWith(changes: Partial<Record<keyof Descriptor, unknown>>): Record<string, unknown> {
  return { ...buildDescriptor(BASE), ...changes };
}

describe('buildDescriptor', () => {
  it('builds the descriptor of docs/protocol.md section 7', () => {
    expect(buildDescriptor(BASE)).toEqual({
      key: 'jwt-grant-tutorial',
      name: 'JWT Grant Tutorial',
      description: expect.any(String),
      vendor: { name: 'jwt-grant-lab', url: 'https://abc.ngrok.app' },
      baseUrl: 'https://abc.ngrok.app',
      authentication: { type: 'jwt' },
      lifecycle: { installed: '/installed', uninstalled: '/uninstalled' },
      scopes: ['account', 'repository'],
      contexts: ['account'],
      modules: {
        repoPages: [
          {
            key: 'jwt-grant',
            name: { value: 'JWT Authorization Grant' },
            url: '/oauth-callback?repoUuid={repository.uuid}',
            location: 'org.bitbucket.repository.navigation',
            params: { auiIcon: 'aui-iconfont-unlock' },
          },
        ],
      },
    });
  });

  it('takes scopes, name, description and vendor', () => {
    const descriptor = buildDescriptor({
      ...BASE,
      scopes: ['account', 'repository', 'pullrequest'],
      name: 'My lab',
      description: 'Mine',
      vendor: { name: 'Me', url: 'https://example.com' },
    });
    expect(descriptor).toMatchObject({
      scopes: ['account', 'repository', 'pullrequest'],
      name: 'My lab',
      description: 'Mine',
      vendor: { name: 'Me', url: 'https://example.com' },
    });
  });

  it('accepts the offline default base URL (http, localhost)', () => {
    expect(buildDescriptor({ ...BASE, baseUrl: 'http://localhost:3000' }).baseUrl).toBe('http://localhost:3000');
  });

  it('refuses options that make the descriptor invalid, at build time', () => {
    expect(() => buildDescriptor({ ...BASE, scopes: ['repositories'] })).toThrow(/did you mean "repository"/);
    expect(() => buildDescriptor({ ...BASE, baseUrl: 'https://abc.ngrok.app/' })).toThrow(/ends with "\/"/);
  });

  it('builds a descriptor that also passes the live rules when the base URL is public https', () => {
    expect(() => validateDescriptor(buildDescriptor(BASE), { live: true })).not.toThrow();
  });
});

describe('validateDescriptor', () => {
  it('returns a valid descriptor, keeping fields it does not know', () => {
    const input = descriptorWith({}) as Record<string, unknown>;
    input.apiMigrations = { gdpr: true };
    const result = validateDescriptor(input, { live: false }) as unknown as Record<string, unknown>;
    expect(result).toEqual(input);
  });

  it('refuses something that is not an object', () => {
    expect(problemsOf('{"key": "x"}')).toEqual([expect.stringMatching(/^descriptor: must be a JSON object, not a string/)]);
    expect(problemsOf(undefined)).toEqual([expect.stringMatching(/^descriptor: is missing/)]);
  });

  it('lists every problem at once, each as "path: what is wrong; what to do", and points to lesson 1', () => {
    let caught: unknown;
    try {
      validateDescriptor(descriptorWith({ key: 'bad key', scopes: ['repositories'], contexts: undefined }), { live: false });
    } catch (error) {
      caught = error;
    }
    const error = caught as DescriptorError;
    expect(error.code).toBe('ERR_DESCRIPTOR_INVALID');
    expect(error.lesson).toBe(1);
    expect(error.problems).toEqual([
      expect.stringMatching(/^key: "bad key" is not an app key this lab accepts: use 1 to 80 letters.*Bitbucket documents none/),
      expect.stringMatching(/^scopes\[0\]: "repositories" is not a Bitbucket scope/),
      'contexts: is missing; add "contexts": ["account"]',
    ]);
    expect(error.message).toContain('3 problems');
    expect(error.message).toContain('Lesson 1');
    for (const problem of error.problems) expect(error.message).toContain(problem);
  });

  it('reports missing fields with an example to copy', () => {
    expect(problemsOf({})).toEqual([
      'key: is missing; e.g. "key": "jwt-grant-tutorial"',
      expect.stringMatching(/^name: is missing; e\.g\./),
      expect.stringMatching(/^description: is missing; e\.g\./),
      'baseUrl: is missing; e.g. "baseUrl": "https://abc.ngrok.app"',
      'authentication: is missing; add "authentication": {"type": "jwt"}',
      expect.stringMatching(/^lifecycle: is missing; add "lifecycle"/),
      'contexts: is missing; add "contexts": ["account"]',
      expect.stringMatching(/^modules: is missing/),
    ]);
  });

  describe('key', () => {
    it.each(['bad key', 'a/b', '', 'k'.repeat(81)])('refuses %j', (key) => {
      expect(problemsOf(descriptorWith({ key }))).toEqual([expect.stringMatching(/^key: .* is not an app key this lab accepts/)]);
    });

    it.each(['jwt-grant-tutorial', 'com.example.app_1', 'k'.repeat(80)])('accepts %j', (key) => {
      expect(validateDescriptor(descriptorWith({ key }), { live: false }).key).toBe(key);
    });
  });

  describe('baseUrl', () => {
    it('must be absolute', () => {
      expect(problemsOf(descriptorWith({ baseUrl: 'abc.ngrok.app' }))).toEqual([
        expect.stringMatching(/^baseUrl: "abc\.ngrok\.app" is not an absolute URL/),
      ]);
    });

    it('may be http offline, must be https live', () => {
      const http = descriptorWith({ baseUrl: 'http://abc.ngrok.app' });
      expect(validateDescriptor(http, { live: false }).baseUrl).toBe('http://abc.ngrok.app');
      expect(problemsOf(http, true)).toEqual([expect.stringMatching(/^baseUrl: .* is http, and Bitbucket only installs apps served over https/)]);
    });

    it('may not point at this machine live', () => {
      expect(problemsOf(descriptorWith({ baseUrl: 'https://localhost:3000' }), true)).toEqual([
        expect.stringMatching(/^baseUrl: .* points at this machine/),
      ]);
    });

    it.each([false, true])('never ends with a slash (live: %s), and says why', (live) => {
      const problems = problemsOf(descriptorWith({ baseUrl: 'https://x.ngrok.app/' }), live);
      expect(problems).toEqual([expect.stringContaining('"https://x.ngrok.app/" + "/installed" gives "//installed"')]);
    });

    it('refuses a slash after a context path too', () => {
      expect(problemsOf(descriptorWith({ baseUrl: 'https://example.com/app/' }))).toEqual([expect.stringMatching(/^baseUrl: .* ends with "\/"/)]);
      expect(validateDescriptor(descriptorWith({ baseUrl: 'https://example.com/app' }), { live: true }).baseUrl).toBe('https://example.com/app');
    });

    it('refuses a query, a fragment, credentials and other protocols', () => {
      expect(problemsOf(descriptorWith({ baseUrl: 'https://x.ngrok.app?a=1' }))).toEqual([expect.stringMatching(/query or fragment/)]);
      expect(problemsOf(descriptorWith({ baseUrl: 'https://user:pw@x.ngrok.app' }))).toEqual([expect.stringMatching(/user name or password/)]);
      expect(problemsOf(descriptorWith({ baseUrl: 'ftp://x.ngrok.app' }))).toEqual([expect.stringMatching(/must be an https URL/)]);
    });
  });

  describe('scopes', () => {
    it('names an unknown scope and suggests the closest known one', () => {
      expect(problemsOf(descriptorWith({ scopes: ['account', 'repositories'] }))).toEqual([
        expect.stringMatching(/^scopes\[1\]: "repositories" is not a Bitbucket scope, .*did you mean "repository"\?$/),
      ]);
    });

    it('lists the known scopes when nothing is close', () => {
      const [problem] = problemsOf(descriptorWith({ scopes: ['account', 'repository', 'banana'] }));
      expect(problem).toMatch(/^scopes\[2\]: "banana" is not a Bitbucket scope/);
      for (const scope of KNOWN_SCOPES) expect(problem).toContain(scope);
    });

    it('reads a descriptor without scopes as Bitbucket does: it asks for every scope', () => {
      const { scopes: _left, ...withoutScopes } = buildDescriptor(BASE);
      expect(validateDescriptor(withoutScopes, { live: true }).scopes).toEqual(KNOWN_SCOPES);
      expect(withoutScopes).not.toHaveProperty('scopes');
    });

    it('still refuses scopes that are not a list, with what to write', () => {
      expect(problemsOf(descriptorWith({ scopes: 'repository' }))).toEqual([
        expect.stringMatching(/^scopes: .*list what the app needs, e\.g\. "scopes": \["account", "repository"\] \(leaving it out asks for every scope\)/),
      ]);
    });

    it('accepts every known scope', () => {
      expect(validateDescriptor(descriptorWith({ scopes: [...KNOWN_SCOPES] }), { live: false }).scopes).toEqual(KNOWN_SCOPES);
    });

    it('refuses any other scope name, naming it', () => {
      fc.assert(
        fc.property(
          fc.string({ minLength: 1, maxLength: 40 }).filter((scope) => !KNOWN_SCOPES.includes(scope)),
          (scope) => {
            const problems = problemsOf(descriptorWith({ scopes: ['account', 'repository', scope] }));
            expect(problems).toEqual([expect.stringContaining(`scopes[2]: ${JSON.stringify(scope)} is not a Bitbucket scope`)]);
          },
        ),
      );
    });

    it('flags a module URL whose context parameters need a scope that is not declared', () => {
      expect(problemsOf(descriptorWith({ scopes: ['account'] }))).toEqual([
        'modules.repoPages[0].url: uses {repository.uuid}, which Bitbucket fills in only with the "repository" scope: add "repository" to scopes',
      ]);
      expect(validateDescriptor(descriptorWith({ scopes: ['pullrequest'] }), { live: false }).scopes).toEqual(['pullrequest']);
    });
  });

  describe('relative URLs', () => {
    it('lifecycle URLs must start with "/"', () => {
      const problems = problemsOf(descriptorWith({ lifecycle: { installed: 'installed', uninstalled: 'https://abc.ngrok.app/uninstalled' } }));
      expect(problems).toEqual([
        expect.stringMatching(/^lifecycle\.installed: "installed" must start with "\/".* write "\/installed"$/),
        expect.stringMatching(/^lifecycle\.uninstalled: .* is absolute: make it relative to baseUrl, e\.g\. "\/uninstalled"/),
      ]);
    });

    it('module URLs must be relative, in every module kind', () => {
      const page = buildDescriptor(BASE).modules.repoPages?.[0];
      const problems = problemsOf(
        descriptorWith({
          modules: {
            repoPages: [{ ...page, url: 'https://abc.ngrok.app/oauth-callback' }],
            webhooks: [{ event: 'repo:push', url: '//hooks' }],
            postInstallRedirect: { key: 'after-install', url: 'welcome' },
          },
        }),
      );
      expect(problems).toEqual([
        expect.stringMatching(/^modules\.repoPages\[0\]\.url: .* is absolute: .* e\.g\. "\/oauth-callback"/),
        expect.stringMatching(/^modules\.webhooks\[0\]\.url: "\/\/hooks" starts with "\/\/"/),
        expect.stringMatching(/^modules\.postInstallRedirect\.url: "welcome" must start with "\/"/),
      ]);
    });
  });

  describe('modules', () => {
    it('module keys must be unique across kinds, ignoring case', () => {
      const page = buildDescriptor(BASE).modules.repoPages?.[0];
      const problems = problemsOf(
        descriptorWith({
          modules: {
            repoPages: [page],
            webItems: [{ ...page, key: 'JWT-Grant', location: 'org.bitbucket.repository.actions' }],
          },
        }),
      );
      expect(problems).toEqual([
        expect.stringMatching(/^modules\.webItems\[0\]\.key: "JWT-Grant" is already the key of modules\.repoPages\[0\]/),
      ]);
    });

    it('module keys must be made of letters, digits, "-" and "_"', () => {
      const page = buildDescriptor(BASE).modules.repoPages?.[0];
      expect(problemsOf(descriptorWith({ modules: { repoPages: [{ ...page, key: 'jwt grant' }] } }))).toEqual([
        expect.stringMatching(/^modules\.repoPages\[0\]\.key: "jwt grant" is not a valid module key/),
      ]);
    });

    it('page modules need a name, a URL and a location, with hints', () => {
      expect(problemsOf(descriptorWith({ modules: { webPanels: [{ key: 'panel' }] } }))).toEqual([
        'modules.webPanels[0].name: is missing; e.g. "name": {"value": "My page"}',
        'modules.webPanels[0].url: is missing; e.g. "url": "/my-page?repoUuid={repository.uuid}"',
        expect.stringMatching(/^modules\.webPanels\[0\]\.location: is missing; say where Bitbucket shows it/),
      ]);
    });

    it('a module entry must be an object', () => {
      expect(problemsOf(descriptorWith({ modules: { customThing: ['oops'] } }))).toEqual([
        'modules.customThing[0]: must be a JSON object describing one module',
      ]);
    });
  });

  it('authentication must be jwt', () => {
    expect(problemsOf(descriptorWith({ authentication: { type: 'none' } }))).toEqual([
      expect.stringMatching(/^authentication\.type: must be "jwt"; Bitbucket signs its calls/),
    ]);
  });

  it('contexts must be account; personal was removed', () => {
    expect(problemsOf(descriptorWith({ contexts: ['personal'] }))).toEqual([
      expect.stringMatching(/^contexts\[0\]: "personal" was removed by Bitbucket in 2023: use "account"/),
    ]);
    expect(problemsOf(descriptorWith({ contexts: [] }))).toEqual(['contexts: is empty; add "contexts": ["account"]']);
  });

  it('name and description must not be blank', () => {
    expect(problemsOf(descriptorWith({ name: '  ', description: '' }))).toEqual([
      'name: must not be empty: write a few words',
      'description: must not be empty: write a few words',
    ]);
  });
});
