import type { Logger } from '../../src/log/logger.ts';

/**
 * A logger per side of a rehearsal that keeps every line in memory, so a test stays quiet and
 * can check what was logged (no secret, say).
 *
 * @example
 * const logs = collectLogs()
 * await startRehearsal({ dataDir, logger: logs.logger })
 * expect(logs.lines.join('\n')).not.toContain(secret)
 */
export function collectLogs(): { lines: string[]; logger: (side: string) => Logger } {
  const lines: string[] = [];
  return {
    lines,
    logger: (side) => ({
      info: (line) => void lines.push(`[${side}] info ${line}`),
      error: (line) => void lines.push(`[${side}] error ${line}`),
    }),
  };
}
