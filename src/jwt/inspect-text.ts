import { lessonName } from '../errors.ts';
import { neutralizeControls, paint, type StyleName } from '../notes/style.ts';
import { differenceWindow } from '../text/first-difference.ts';
import type { Direction } from './direction.ts';
import type { ExplainedField } from './explain-claims.ts';
import type { Severity } from './findings.ts';
import type { Inspection } from './inspect.ts';

/**
 * An {@link Inspection} as terminal text: `npm run inspect` prints it. Plain text without
 * colour (piped, `NO_COLOR`): the same words, no escape codes. Everything that came with the token
 * or the request is shown with its control and format characters made visible, so a claim cannot
 * drive the terminal.
 */

/**
 * How each direction reads, in the terminal and on the `/inspect` page.
 *
 * @example DIRECTION_NAMES['bitbucket-to-app'] // 'Bitbucket → app'
 */
export const DIRECTION_NAMES: Readonly<Record<Direction, string>> = {
  'app-to-bitbucket': 'app → Bitbucket',
  'bitbucket-to-app': 'Bitbucket → app',
  unknown: 'unknown',
};

const MARKS: Record<Severity, [string, StyleName]> = { error: ['✗', 'red'], warning: ['!', 'yellow'], info: ['i', 'cyan'] };
const LABEL_WIDTH = 11;

/**
 * Renders an inspection as lines of text, coloured or plain.
 *
 * @example
 * process.stdout.write(formatInspection(await inspectJwt(token, options), { color: false }))
 */
export function formatInspection(inspection: Inspection, o: { color: boolean }): string {
  const style = (text: string, ...styles: StyleName[]) => paint(text, styles, o.color);
  const safe = neutralizeControls;
  const label = (name: string) => style(name.padEnd(LABEL_WIDTH), 'bold');
  const indent = ' '.repeat(LABEL_WIDTH);
  const lines: string[] = [];

  lines.push(`${label('Token')}${safe(inspection.token.redacted)} (${inspection.token.length} characters, signature redacted)`);
  lines.push(`${label('Direction')}${DIRECTION_NAMES[inspection.direction.direction]}: ${safe(inspection.direction.reason)}`);

  const fields = (title: string, list: ExplainedField[]) => {
    if (list.length === 0) return;
    lines.push('', style(title, 'bold'));
    const width = Math.max(...list.map((f) => f.name.length));
    for (const field of list) {
      const time = field.moment ? ` = ${field.moment.iso} (${field.moment.relative})` : '';
      const mark = field.status === 'ok' ? '' : ` ${style(field.status === 'extra' ? '(extra)' : field.status === 'missing' ? '✗ missing' : '✗ wrong', field.status === 'extra' ? 'yellow' : 'red')}`;
      lines.push(`  ${style(safe(field.name).padEnd(width), 'cyan')}  ${field.status === 'missing' ? '' : safe(field.value)}${time}${mark}`);
      lines.push(`  ${' '.repeat(width)}  ${style(safe(field.meaning), 'dim')}`);
    }
  };
  fields('Header', inspection.header);
  fields('Claims', inspection.claims);

  const { request, qsh, signature } = inspection;
  lines.push('');
  if (request) {
    lines.push(`${label('Request')}${safe(`${request.method} ${request.url}`)}`);
    if (request.assumed) lines.push(`${indent}${style(safe(request.assumed), 'dim')}`);
    lines.push(`${indent}base URL ${safe(request.baseUrl ?? '(none)')}${request.body ? `, form body ${safe(request.body)}` : ''}`);
  }
  const explanation = qsh.explanation;
  const qshStatus: Record<typeof qsh.status, string> = {
    match: style('✓ matches this request', 'green'),
    accepted: style('✓ accepted (a form the token endpoint takes, see below)', 'green'),
    mismatch: style('✗ does not match this request', 'red'),
    missing: style('✗ missing', 'red'),
    'not-checked': style('? not checked: no request', 'yellow'),
  };
  lines.push(`${label('qsh')}${qshStatus[qsh.status]}`);
  if (explanation) {
    lines.push(`${indent}canonical request here  ${safe(explanation.canonical)}`);
    lines.push(`${indent}its hash                ${explanation.qsh}`);
    if (qsh.received) lines.push(`${indent}the token's qsh         ${safe(qsh.received)}`);
    if (explanation.signer) {
      const w = differenceWindow(explanation.signer.canonical, explanation.canonical);
      lines.push(`${indent}${style('The token\'s qsh is the hash of what the signer built:', 'bold')}`);
      lines.push(`${indent}  signer hashed  ${safe(w.a)}`);
      lines.push(`${indent}  should be      ${safe(w.b)}`);
      lines.push(`${indent}                 ${style(w.caret, 'red')} ${style(`first difference, character ${w.index + 1}`, 'dim')}`);
      for (const others of explanation.alternatives) {
        lines.push(`${indent}  ${style(`(the same string also comes from: ${others.map((m) => m.code).join(' + ')})`, 'dim')}`);
      }
    }
  }

  const secret = signature.secret ? ` with ${safe(signature.secret.label)} (secret ${signature.secret.redacted})` : '';
  const signatureStatus = {
    valid: style(`✓ valid${secret}`, 'green'),
    invalid: style(`✗ does not verify${secret}`, 'red'),
    'not-checked': style('? NOT checked: no secret', 'yellow'),
  }[signature.status];
  lines.push(`${label('Signature')}${signatureStatus}`);

  if (inspection.findings.length > 0) {
    lines.push('', style('Findings', 'bold'));
    for (const finding of inspection.findings) {
      const [mark, color] = MARKS[finding.severity];
      const see = finding.lesson ? style(` (${lessonName(finding.lesson)})`, 'dim') : '';
      lines.push(`  ${style(`${mark} ${finding.code}`, color)}  ${safe(finding.message)}${see}`);
    }
  }

  lines.push('');
  const verdict = {
    valid: style('✓ VALID', 'bold', 'green'),
    invalid: style('✗ INVALID', 'bold', 'red'),
    unverified: style('? NOT VERIFIED', 'bold', 'yellow'),
  }[inspection.verdict];
  lines.push(`${verdict}  ${safe(inspection.summary)}`);
  return `${lines.join('\n')}\n`;
}
