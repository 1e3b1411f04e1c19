/**
 * `npm run lesson N -- --mine`: the pieces of the flow the learner wrote in the exercises, in
 * place of `src/`'s. Each piece has the shape of the `src/` function it stands in for, so a lesson
 * takes it through `ctx.mine` (or passes it to a `src/` function that accepts one, like
 * `exchangeJwtForToken({ sign, tokenRequest })`) and changes nothing else.
 */
import { pathToFileURL } from 'node:url';
import type { followPages } from '../../../src/bitbucket/follow-pages.ts';
import type { rateLimitWait } from '../../../src/bitbucket/rate-limit-wait.ts';
import type { refreshOnce } from '../../../src/bitbucket/refresh-once.ts';
import type { decideInstall } from '../../../src/connect/install-decision.ts';
import { LabError } from '../../../src/errors.ts';
import type { extractJwt } from '../../../src/jwt/extract.ts';
import type { canonicalRequest, queryStringHash } from '../../../src/jwt/qsh.ts';
import type { signInstallationJwt } from '../../../src/jwt/sign.ts';
import type { verifyRequest } from '../../../src/jwt/verify.ts';
import type { tokenRequest } from '../../../src/oauth/token-request.ts';
// The repository page has no src/ twin (the app's route renders HTML): its piece is typed by the solution.
import type { createRepositoryPage } from '../../07-the-app/exercises/repository-page/solution/repository-page.ts';
import { shownPath, type Exercise } from './exercises.ts';

/**
 * Every piece a lesson can take from the learner, typed as the `src/` function it replaces.
 *
 * @example const sign: Pieces['signInstallationJwt'] = ctx.mine.signInstallationJwt ?? signInstallationJwt
 */
export interface Pieces {
  canonicalRequest: typeof canonicalRequest;
  queryStringHash: typeof queryStringHash;
  signInstallationJwt: typeof signInstallationJwt;
  tokenRequest: typeof tokenRequest;
  extractJwt: typeof extractJwt;
  verifyRequest: typeof verifyRequest;
  decideInstall: typeof decideInstall;
  followPages: typeof followPages;
  refreshOnce: typeof refreshOnce;
  rateLimitWait: typeof rateLimitWait;
  createRepositoryPage: typeof createRepositoryPage;
}

/**
 * The name of a piece.
 *
 * @example const mine: PieceName[] = ['canonicalRequest', 'signInstallationJwt']
 */
export type PieceName = keyof Pieces;

type Module = Record<string, unknown>;

/** Where each piece comes from: the exercise, and how its module's export becomes the piece. */
const SOURCES: { [K in PieceName]: { exercise: string; export: string; adapt?: (fn: Function, loaded: Partial<Pieces>) => Pieces[K] } } = {
  canonicalRequest: { exercise: 'canonical-request', export: 'canonicalRequest' },
  queryStringHash: { exercise: 'canonical-request', export: 'queryStringHash' },
  signInstallationJwt: {
    exercise: 'sign-jwt',
    export: 'signAppJwt',
    // signAppJwt takes the qsh ready-made; signInstallationJwt computes it from the request, with
    // the learner's queryStringHash when it is loaded too.
    adapt: (signAppJwt, loaded) => async (o) => {
      const qsh = typeof o.qsh === 'string' ? o.qsh : (loaded.queryStringHash ?? (await srcQueryStringHash()))(o.method, o.url, o.baseUrl);
      return signAppJwt({ appKey: o.appKey, clientKey: o.clientKey, sharedSecret: o.sharedSecret, qsh, now: (o.now ?? Date.now)() }) as string;
    },
  },
  tokenRequest: { exercise: 'token-request', export: 'tokenRequest' },
  extractJwt: { exercise: 'find-the-token', export: 'extractJwt' },
  verifyRequest: { exercise: 'verify-page-jwt', export: 'verifyRequest' },
  decideInstall: { exercise: 'decide-install', export: 'decideInstall' },
  followPages: { exercise: 'follow-next', export: 'followPages' },
  refreshOnce: { exercise: 'refresh-once', export: 'refreshOnce' },
  rateLimitWait: { exercise: 'back-off', export: 'rateLimitWait' },
  createRepositoryPage: { exercise: 'repository-page', export: 'createRepositoryPage' },
};

async function srcQueryStringHash(): Promise<Pieces['queryStringHash']> {
  return (await import('../../../src/jwt/qsh.ts')).queryStringHash;
}

/**
 * Every piece name, in the order lessons use them.
 *
 * @example PIECE_NAMES.includes('tokenRequest') // true
 */
export const PIECE_NAMES = Object.keys(SOURCES) as PieceName[];

/**
 * The exercise a piece comes from.
 *
 * @example pieceExercise('signInstallationJwt') // 'sign-jwt'
 */
export function pieceExercise(name: PieceName): string {
  return SOURCES[name].exercise;
}

/**
 * The learner's file could not be loaded, or lacks the export a piece needs.
 *
 * @example throw new MinePieceError('sign-jwt', 'lessons/03-sign-jwt/exercises/sign-jwt/sign-jwt.ts', 'it does not export signAppJwt')
 */
export class MinePieceError extends LabError {
  constructor(exercise: string, file: string, problem: string, options: { cause?: unknown } = {}) {
    super(
      'ERR_MINE_PIECE',
      `--mine: your ${file} cannot be used: ${problem}. Check it with npm run practice -- check ${exercise}, or run the lesson without --mine.`,
      options,
    );
  }
}

/**
 * One piece taken from the learner, for the run's header.
 *
 * @example { piece: 'signInstallationJwt', file: 'lessons/03-sign-jwt/exercises/sign-jwt/sign-jwt.ts', export: 'signAppJwt' }
 */
export interface LoadedPiece {
  piece: PieceName;
  file: string;
  export: string;
}

/**
 * Imports the learner's files for the named pieces and returns them, ready for `ctx.mine`.
 *
 * @example
 * const { pieces, loaded } = await loadPieces(['canonicalRequest', 'signInstallationJwt'], listExercises())
 * await pieces.signInstallationJwt?.({ appKey, clientKey, sharedSecret, method: 'POST', url })
 */
export async function loadPieces(names: readonly PieceName[], exercises: readonly Exercise[]): Promise<{ pieces: Partial<Pieces>; loaded: LoadedPiece[] }> {
  const pieces: Partial<Pieces> = {};
  const loaded: LoadedPiece[] = [];
  const modules = new Map<string, Module>();
  // The qsh first: the signer adapts to it.
  for (const name of [...names].sort((a, b) => PIECE_NAMES.indexOf(a) - PIECE_NAMES.indexOf(b))) {
    const source = SOURCES[name];
    const exercise = exercises.find((e) => e.name === source.exercise);
    if (!exercise) throw new MinePieceError(source.exercise, source.exercise, 'the manifest has no such exercise');
    const file = shownPath(exercise.file);
    let module = modules.get(exercise.file);
    if (!module) {
      try {
        module = (await import(pathToFileURL(exercise.file).href)) as Module;
      } catch (cause) {
        throw new MinePieceError(exercise.name, file, `it does not load (${(cause as Error).message.split('\n')[0]})`, { cause });
      }
      modules.set(exercise.file, module);
    }
    const exported = module[source.export];
    if (typeof exported !== 'function') throw new MinePieceError(exercise.name, file, `it does not export a function ${source.export}`);
    const piece = source.adapt ? source.adapt(exported, pieces) : exported;
    (pieces as Record<PieceName, unknown>)[name] = piece;
    loaded.push({ piece: name, file, export: source.export });
  }
  return { pieces, loaded };
}

/**
 * The lessons whose exercises provide pieces: where `--mine` shows the learner's code at work.
 *
 * @example lessonsWithPieces(listExercises()) // [2, 3, 4, 5, 6, 7]
 */
export function lessonsWithPieces(exercises: readonly Exercise[]): number[] {
  const names = new Set(Object.values(SOURCES).map((source) => source.exercise));
  return [...new Set(exercises.filter((e) => names.has(e.name)).map((e) => e.lesson.number))].sort((a, b) => a - b);
}

/**
 * The header line of a `--mine` run: which pieces are the learner's, from which files.
 *
 * @example describeLoaded(loaded) // 'Your code in this run (--mine): canonicalRequest, queryStringHash from lessons/03-.../canonical-request.ts; ...'
 */
export function describeLoaded(loaded: readonly LoadedPiece[]): string {
  const byFile = new Map<string, string[]>();
  for (const { piece, file, export: name } of loaded) byFile.set(file, [...(byFile.get(file) ?? []), piece === name ? piece : `${piece} (your ${name})`]);
  return `Your code in this run (--mine): ${[...byFile].map(([file, pieces]) => `${pieces.join(', ')} from ${file}`).join('; ')}. The rest is src/.`;
}
