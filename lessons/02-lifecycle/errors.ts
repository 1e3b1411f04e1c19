import { LabError } from '../../src/errors.ts';

/** Lesson 2 explains the lifecycle calls these errors are about. */
const LIFECYCLE_LESSON = 2;

/**
 * The app answered a lifecycle call otherwise than Bitbucket (and the lesson) expect: it refused a
 * first install, a re-install signed with the stored secret or an uninstall, or refused a forgery
 * for another reason than the forgery. `answer` is the app's own explanation, already made safe to
 * print (`quoteServerText`).
 *
 * @example
 * throw new LifecycleAnswerError('the installed call', 'HTTP 204', 401, 'ERR_JWT_EXPIRED: The JWT expired ...')
 */
export class LifecycleAnswerError extends LabError {
  /** The HTTP status the app answered. */
  readonly status: number;

  constructor(call: string, expected: string, status: number, answer: string, appLog: readonly string[] = []) {
    super(
      'ERR_LIFECYCLE_ANSWER',
      `The app answered HTTP ${status} to ${call}, where it should answer ${expected}. The app said: ${answer.replace(/\.$/, '') || '(no body)'}.` +
        `${appLog.length > 0 ? `\nThe app logged:\n${appLog.map((line) => `  ${line}`).join('\n')}\n` : ' '}` +
        'Fix what it says (stale installations in DATA_DIR can be cleared with `npm run lesson -- --reset`), then run ' +
        'the lesson again. Lesson 2 (lifecycle) explains the rules the app applies.',
      { lesson: LIFECYCLE_LESSON },
    );
    this.status = status;
  }
}

/**
 * The app accepted a re-install of a known clientKey that was signed with a new secret instead of
 * the stored one, or let it replace the stored secret. That is the re-install hijack: whoever
 * posts such a payload owns the installation from then on.
 *
 * @example
 * if (response.ok) throw new ForgedReinstallAcceptedError(clientKey, response.status)
 */
export class ForgedReinstallAcceptedError extends LabError {
  constructor(clientKey: string, status: number) {
    super(
      'ERR_FORGED_REINSTALL_ACCEPTED',
      `The app accepted (HTTP ${status}) a re-install of ${clientKey} signed with a new secret of its own, so anyone could ` +
        'take this installation over. A known clientKey may only be re-installed by a request signed with the stored ' +
        'sharedSecret: see handleInstalled in src/connect/lifecycle.ts. Lesson 2 (lifecycle) explains the rule.',
      { lesson: LIFECYCLE_LESSON },
    );
  }
}

