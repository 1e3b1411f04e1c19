/**
 * `import text from './file.http?raw'`: Vite (and so vitest) imports a file's text with `?raw`.
 * The exercise tests read the learner's non-TypeScript files this way, so that the practice
 * target plugin can swap them like any other import.
 */
declare module '*?raw' {
  const text: string;
  export default text;
}
