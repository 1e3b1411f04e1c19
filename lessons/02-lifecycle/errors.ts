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


/**
 * A first install the app should have proven with its token exchange did not become active: the
 * exchange was refused or never answered, so the app deleted it (or it is still waiting). `appLog`
 * holds the app's own explanation.
 *
 * @example
 * if ((await ctx.store.get(clientKey))?.state !== 'active') throw new InstallNotProvenError(clientKey, logLines(app))
 */
export class InstallNotProvenError extends LabError {
  constructor(clientKey: string, appLog: readonly string[] = []) {
    super(
      'ERR_INSTALL_NOT_PROVEN',
      `The app accepted the first install of ${clientKey} (HTTP 204) but could not prove it: the token exchange signed with ` +
        `its secret did not give a token, so the installation is not active.` +
        `${appLog.length > 0 ? `\nThe app logged:\n${appLog.map((line) => `  ${line}`).join('\n')}\n` : ' '}` +
        'Offline, the simulated Bitbucket answers only for what it installed (DATA_DIR/simulated-bitbucket.db): clear both ' +
        'sides with `npm run lesson -- --reset`, then run the lesson again. Lesson 2 (lifecycle) explains the proof.',
      { lesson: LIFECYCLE_LESSON },
    );
  }
}

/**
 * A first install for a workspace Bitbucket never installed the app into became active: the app
 * trusted it without proof (VERIFY_INSTALLS=0?), so anyone could squat that workspace's clientKey.
 *
 * @example
 * if ((await ctx.store.get(squatted))?.state === 'active') throw new SquatterAcceptedError(squatted)
 */
export class SquatterAcceptedError extends LabError {
  constructor(clientKey: string) {
    super(
      'ERR_SQUATTER_ACCEPTED',
      `The app made the first install of ${clientKey} active, though Bitbucket never installed the app there: whoever ` +
        'posted it now owns that clientKey. First installs must stay pending until a token exchange signed with their ' +
        'secret succeeds (VERIFY_INSTALLS must not be 0; see createInstallVerifier in src/connect/install-verifier.ts). ' +
        'Lesson 2 (lifecycle) explains.',
      { lesson: LIFECYCLE_LESSON },
    );
  }
}
