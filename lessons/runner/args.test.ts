import { describe, expect, it } from 'vitest';
import { RUNNER_FLAGS, checkFlags, formatFlagHelp, parseArgs } from './args.ts';

const LESSON_FLAGS = { ...RUNNER_FLAGS, 'base-url': { type: 'string', description: 'The base URL.' } } as const;

describe('parseArgs', () => {
  it('splits the lesson number from flags, in any order', () => {
    const parsed = parseArgs(['--yes', '3', '--base-url=https://x.ngrok.app']);
    expect(parsed.positionals).toEqual(['3']);
    expect([...parsed.flags]).toEqual([
      ['yes', true],
      ['base-url', 'https://x.ngrok.app'],
    ]);
  });

  it('keeps everything after "=" as the value, "=" included', () => {
    expect(parseArgs(['--base-url=https://x/?a=b']).flags.get('base-url')).toBe('https://x/?a=b');
  });

  it('reads -y and -h as --yes and --help', () => {
    expect([...parseArgs(['-y', '-h']).flags.keys()]).toEqual(['yes', 'help']);
  });

  it('treats what follows -- as positionals', () => {
    expect(parseArgs(['--', '--yes']).positionals).toEqual(['--yes']);
  });

  it.each([
    [['-x'], /Unknown flag -x/],
    [['--Yes'], /"--Yes" is not a flag/],
    [['---yes'], /is not a flag/],
    [['--yes', '--yes'], /--yes is given twice/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(expect.objectContaining({ code: 'ERR_USAGE', message: expect.stringMatching(message) }));
  });
});

describe('checkFlags', () => {
  it('returns the values of known flags', () => {
    expect(checkFlags(parseArgs(['--yes', '--base-url=https://a.io']).flags, LESSON_FLAGS)).toEqual({ yes: true, 'base-url': 'https://a.io' });
  });

  it('lists every valid flag when one is unknown', () => {
    expect(() => checkFlags(parseArgs(['--colour']).flags, LESSON_FLAGS)).toThrow(
      'Unknown flag --colour. Valid flags here: --yes, --simulate, --reset, --no-color, --mine, --help, --base-url=<value>.',
    );
  });

  it('refuses a value on a boolean flag', () => {
    expect(() => checkFlags(parseArgs(['--yes=no']).flags, LESSON_FLAGS)).toThrow('--yes takes no value');
  });

  it.each([['--base-url'], ['--base-url=']])('refuses %s without a value', (arg) => {
    expect(() => checkFlags(parseArgs([arg]).flags, LESSON_FLAGS)).toThrow('--base-url needs a value: write --base-url=<value>');
  });

  it('does not take inherited object keys for flags', () => {
    expect(() => checkFlags(parseArgs(['--constructor']).flags, LESSON_FLAGS)).toThrow('Unknown flag --constructor');
  });
});

describe('formatFlagHelp', () => {
  it('aligns the descriptions', () => {
    const lines = formatFlagHelp({ yes: RUNNER_FLAGS.yes, 'base-url': LESSON_FLAGS['base-url'] });
    expect(lines).toEqual([`  --yes               ${RUNNER_FLAGS.yes.description}`, '  --base-url=<value>  The base URL.']);
  });
});
