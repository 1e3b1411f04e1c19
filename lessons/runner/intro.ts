const FENCE = /^\s{0,3}(`{3,}|~{3,})/;
const HEADING = /^\s{0,3}(#{1,6})(?:\s|$)/;

/**
 * The introduction of a lesson's notes: what stands under the first H1, up to the next heading
 * (code fences are skipped over, so a `#` comment in a shell block is not a heading). Notes without
 * an H1 give what comes before their first heading.
 *
 * @example
 * notesIntro('# Lesson 3\n\nA JWT proves who signed it.\n\n## The claims\n...') // 'A JWT proves who signed it.'
 */
export function notesIntro(markdown: string): string {
  const preamble: string[] = [];
  let intro: string[] | undefined;
  let inPreamble = true;
  let fence: string | undefined;
  for (const line of markdown.replace(/\r\n?/g, '\n').split('\n')) {
    const marker = FENCE.exec(line)?.[1];
    const wasInFence = fence !== undefined;
    if (fence) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
    } else if (marker) {
      fence = marker;
    }
    const heading = wasInFence || marker ? undefined : HEADING.exec(line)?.[1];
    if (heading) {
      if (intro) break;
      inPreamble = false;
      if (heading === '#') intro = [];
      continue;
    }
    if (intro) intro.push(line);
    else if (inPreamble) preamble.push(line);
  }
  return (intro ?? preamble).join('\n').trim();
}
