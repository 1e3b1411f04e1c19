import { LabError } from '../../src/errors.ts';

/**
 * Errors of the benchmark (`npm run bench`). It measures; it does not judge the numbers. These
 * only say that a measurement could not be made, or would not mean what its label says.
 */

/**
 * A bench helper got an option it cannot use (a duration of 0, a percentile of no samples).
 *
 * @example
 * summarize([]) // throws ERR_BENCH_OPTIONS
 */
export class BenchOptionsError extends LabError {
  constructor(message: string) {
    super('ERR_BENCH_OPTIONS', message);
  }
}

/**
 * A measured path did not do what its row claims (the HMAC floor refused a valid token, a call
 * was retried), so its timing would be misleading. A bug in the bench or in the code it measures.
 *
 * @example
 * if (!verifyHs256Floor(token, o)) throw new BenchSanityError('the HMAC floor refused a valid token')
 */
export class BenchSanityError extends LabError {
  constructor(problem: string, options: { lesson?: number; cause?: unknown } = {}) {
    super('ERR_BENCH_SANITY', `The benchmark cannot report this row: ${problem}. Fix that first; a timing of broken code means nothing.`, options);
  }
}
