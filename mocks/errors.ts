import { LabError } from '../src/errors.ts';

/**
 * Errors of the offline Bitbucket (mocks/): wrong options, and what goes wrong when the mock plays
 * Bitbucket installing an app. None ever includes a `sharedSecret` or a token.
 */

/** Lesson 1 explains the descriptor, lesson 2 the lifecycle callbacks. */
const DESCRIPTOR_LESSON = 1;
const LIFECYCLE_LESSON = 2;

/**
 * `createBitbucketMock`, `setScenario` or `startMockServer` got an option it cannot use.
 *
 * @example
 * createBitbucketMock({ installations, apiUrl: 'api.bitbucket.org' }) // throws ERR_MOCK_OPTIONS
 */
export class MockOptionsError extends LabError {
  constructor(message: string) {
    super('ERR_MOCK_OPTIONS', message);
  }
}

/**
 * The descriptor handed to `installApp` lacks what Bitbucket needs to install it (a key, a base
 * URL, the lifecycle URL of this event).
 *
 * @example
 * await installApp({ appBaseUrl, descriptor: { key: 'x', baseUrl } }) // rejects: no lifecycle.installed
 */
export class InstallDescriptorError extends LabError {
  constructor(problem: string) {
    super(
      'ERR_INSTALL_DESCRIPTOR',
      `Bitbucket cannot install this app: ${problem}. Fix atlassian-connect.json (lesson 1) and try again.`,
      { lesson: DESCRIPTOR_LESSON },
    );
  }
}

/**
 * The app did not answer a lifecycle callback: not running, wrong URL, or too slow.
 *
 * @example
 * catch (error) { if (isLabError(error, 'ERR_INSTALL_UNREACHABLE')) console.error(error.message) }
 */
export class InstallUnreachableError extends LabError {
  /** The URL the callback was sent to. */
  readonly url: string;

  constructor(url: string, reason: string, options: { cause?: unknown } = {}) {
    super(
      'ERR_INSTALL_UNREACHABLE',
      `Bitbucket could not deliver the lifecycle callback to ${url}: ${reason}. ` +
        'Is the app running (npm start) and is that its URL? Lesson 2 shows the lifecycle flow.',
      { lesson: LIFECYCLE_LESSON, cause: options.cause },
    );
    this.url = url;
  }
}
