/**
 * Lesson 1: the app descriptor. No network: it builds the `atlassian-connect.json` the app would
 * serve, shows the URLs Bitbucket derives from it, and validates it as Bitbucket would, including
 * three descriptors Bitbucket refuses.
 */
import { buildDescriptor, validateDescriptor, type Descriptor } from '../../src/connect/descriptor.ts';
import { INSTALL_COMPLETE_PATH, installLink } from '../../src/connect/install-link.ts';
import { isLabError } from '../../src/errors.ts';
import { defineLesson, type LessonContext } from '../runner/lesson.ts';

/** A public https base URL for the examples when the configured one is local. */
const EXAMPLE_BASE_URL = 'https://abc123.ngrok.app';
/** A repository UUID, as Bitbucket fills in `{repository.uuid}`. */
const EXAMPLE_REPOSITORY_UUID = '{7a3c5e2f-9b1d-4c8e-a6f0-2d4b8e1c9f37}';

/** The base URL of this run: `--base-url`, else BASE_URL. */
function baseUrlOf(ctx: LessonContext): string {
  const flag = ctx.flags['base-url'];
  return typeof flag === 'string' ? flag : ctx.config.baseUrl;
}

function descriptorOf(ctx: LessonContext): Descriptor {
  return buildDescriptor({ appKey: ctx.config.appKey, baseUrl: baseUrlOf(ctx) });
}

/**
 * The broken descriptors of step 4, each with one mistake. Built from a public https base URL so
 * that the mistake shown is the only one.
 */
function brokenDescriptors(appKey: string): { mistake: string; descriptor: Descriptor }[] {
  const good = buildDescriptor({ appKey, baseUrl: EXAMPLE_BASE_URL });
  return [
    { mistake: 'an http baseUrl', descriptor: { ...good, baseUrl: EXAMPLE_BASE_URL.replace('https:', 'http:') } },
    { mistake: 'a trailing slash on baseUrl', descriptor: { ...good, baseUrl: `${EXAMPLE_BASE_URL}/` } },
    { mistake: 'the unknown scope "repositories"', descriptor: { ...good, scopes: ['account', 'repositories'] } },
  ];
}

/**
 * Lesson 1, as the runner runs it (`npm run lesson 1`).
 *
 * @example
 * await lesson.steps[0]!.run(await createTestContext({ mock: false }))
 */
export default defineLesson({
  flags: {
    'base-url': {
      type: 'string',
      description: 'The public URL of the app to build the descriptor for (default: BASE_URL), e.g. --base-url=https://abc123.ngrok.app',
    },
  },
  steps: [
    {
      title: 'Build the descriptor for your base URL',
      async run(ctx) {
        const descriptor = descriptorOf(ctx);
        ctx.say(
          `This is the \`atlassian-connect.json\` the app serves for **${descriptor.baseUrl}**. ` +
            'Bitbucket fetches it when a workspace admin installs the app from that URL.',
        );
        ctx.show('atlassian-connect.json', descriptor);
        ctx.say(
          [
            `- \`key\` **${descriptor.key}** names the app everywhere: it comes back as \`key\` in the installed payload, and it is the \`iss\` of every JWT the app signs.`,
            '- `authentication` `jwt`: Bitbucket signs each call to the app with a JWT, keyed with the installation\'s `sharedSecret`.',
            `- \`scopes\` **${descriptor.scopes.join(', ')}** are all the access tokens of this app will ever be allowed to do.`,
            '- `contexts` `account`: the app is installed into one workspace, and acts for it.',
          ].join('\n'),
        );
      },
    },
    {
      title: 'Follow the URLs Bitbucket builds from it',
      async run(ctx) {
        const descriptor = descriptorOf(ctx);
        const page = descriptor.modules.repoPages?.[0];
        if (!page) throw new Error('The descriptor has no repository page: buildDescriptor should add "jwt-grant".');
        ctx.say('Every URL but `baseUrl` is relative. Bitbucket **concatenates** `baseUrl` and the path:');
        ctx.show('Descriptor', `${descriptor.baseUrl}/atlassian-connect.json`);
        ctx.show('Installed hook', `POST ${descriptor.baseUrl}${descriptor.lifecycle.installed}`);
        ctx.show('Uninstalled hook', `POST ${descriptor.baseUrl}${descriptor.lifecycle.uninstalled}`);
        const filled = page.url.replace('{repository.uuid}', encodeURIComponent(EXAMPLE_REPOSITORY_UUID));
        ctx.show(`Page "${page.name.value}"`, `${descriptor.baseUrl}${filled}&jwt=<a JWT Bitbucket signs>`);
        ctx.say(
          `The page URL template \`${page.url}\` holds the context parameter \`{repository.uuid}\`: for the repository ` +
            `being viewed, Bitbucket fills in its UUID (braces included, URL-encoded) and adds a signed \`jwt\` parameter ` +
            `before loading the page in an iframe (lesson 6 verifies that JWT). The page shows under **${page.location}**, ` +
            'the repository\'s navigation.',
        );
        ctx.show('Install link', installLink({ bitbucketUrl: ctx.config.bitbucketUrl, baseUrl: descriptor.baseUrl }));
        ctx.say(
          'The install link names the **descriptor URL** (`descriptor_uri`; `addon_key` works only for apps listed on the ' +
            `Marketplace) and where Bitbucket sends the admin back (\`redirect_uri\`, under \`baseUrl\`): **${descriptor.baseUrl}${INSTALL_COMPLETE_PATH}**, ` +
            'with `?client_key=...`. The app serves that page and says whether the installation arrived.',
        );
      },
    },
    {
      title: 'Validate it as Bitbucket would',
      async run(ctx) {
        const descriptor = descriptorOf(ctx);
        validateDescriptor(descriptor, { live: ctx.live });
        ctx.say(`✓ Valid for ${ctx.live ? '**live** Bitbucket' : 'the **offline** lessons'}.`);
        if (ctx.live) return;
        try {
          validateDescriptor(descriptor, { live: true });
          ctx.say('✓ Valid for live Bitbucket too: it is https, public, and has no trailing slash.');
        } catch (error) {
          if (!isLabError(error, 'ERR_DESCRIPTOR_INVALID')) throw error;
          ctx.say(
            `Live Bitbucket would refuse this base URL, which is fine offline. To install for real, serve the app ` +
              `over https (e.g. \`ngrok http ${ctx.config.port}\`) and run again with \`--base-url=https://...\`. Bitbucket would say:`,
          );
          ctx.show('Live rules', error.message);
        }
      },
    },
    {
      title: 'See three descriptors Bitbucket refuses',
      async run(ctx) {
        for (const { mistake, descriptor } of brokenDescriptors(ctx.config.appKey)) {
          try {
            validateDescriptor(descriptor, { live: true });
          } catch (error) {
            if (!isLabError(error, 'ERR_DESCRIPTOR_INVALID')) throw error;
            ctx.show(`With ${mistake}`, error.message);
            continue;
          }
          throw new Error(`A descriptor with ${mistake} passed validation, but Bitbucket refuses it.`);
        }
        ctx.say('Each problem names the field, what is wrong and what to do. `npm start` runs the same check before serving the descriptor.');
      },
    },
  ],
});
