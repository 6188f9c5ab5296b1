import type { HLJSApi, LanguageFn } from 'highlight.js';

/**
 * Syntax highlighting with highlight.js grammars, loaded on demand: the core and each language are
 * separate chunks (dynamic imports), so the first load carries none of it. highlight.js compiles its
 * grammars into ordinary RegExps (no eval), which the strict CSP allows; its HTML output is parsed
 * into a token tree here and rendered by React, so no markup is ever set from a string.
 */

/** A highlighted piece of code: text, or a span of one highlight.js scope (`keyword`, `string`, …). */
export type HighlightNode = string | { scope: string; children: HighlightNode[] };

type Loader = () => Promise<{ default: LanguageFn }>;

/** The grammars Hangar loads, by highlight.js name; each becomes its own chunk. */
const GRAMMARS: Record<string, Loader> = {
  bash: () => import('highlight.js/lib/languages/bash'),
  c: () => import('highlight.js/lib/languages/c'),
  cpp: () => import('highlight.js/lib/languages/cpp'),
  csharp: () => import('highlight.js/lib/languages/csharp'),
  css: () => import('highlight.js/lib/languages/css'),
  diff: () => import('highlight.js/lib/languages/diff'),
  dockerfile: () => import('highlight.js/lib/languages/dockerfile'),
  go: () => import('highlight.js/lib/languages/go'),
  ini: () => import('highlight.js/lib/languages/ini'),
  java: () => import('highlight.js/lib/languages/java'),
  javascript: () => import('highlight.js/lib/languages/javascript'),
  json: () => import('highlight.js/lib/languages/json'),
  kotlin: () => import('highlight.js/lib/languages/kotlin'),
  makefile: () => import('highlight.js/lib/languages/makefile'),
  markdown: () => import('highlight.js/lib/languages/markdown'),
  php: () => import('highlight.js/lib/languages/php'),
  python: () => import('highlight.js/lib/languages/python'),
  ruby: () => import('highlight.js/lib/languages/ruby'),
  rust: () => import('highlight.js/lib/languages/rust'),
  scss: () => import('highlight.js/lib/languages/scss'),
  sql: () => import('highlight.js/lib/languages/sql'),
  swift: () => import('highlight.js/lib/languages/swift'),
  typescript: () => import('highlight.js/lib/languages/typescript'),
  xml: () => import('highlight.js/lib/languages/xml'),
  yaml: () => import('highlight.js/lib/languages/yaml'),
};

/** Other names a fence or a file extension uses for the grammars above. */
const ALIASES: Record<string, string> = {
  sh: 'bash',
  shell: 'bash',
  zsh: 'bash',
  console: 'bash',
  h: 'c',
  hpp: 'cpp',
  cc: 'cpp',
  cxx: 'cpp',
  cs: 'csharp',
  patch: 'diff',
  golang: 'go',
  toml: 'ini',
  js: 'javascript',
  jsx: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  jsonc: 'json',
  json5: 'json',
  kt: 'kotlin',
  make: 'makefile',
  mk: 'makefile',
  md: 'markdown',
  py: 'python',
  rb: 'ruby',
  rs: 'rust',
  ts: 'typescript',
  tsx: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  html: 'xml',
  htm: 'xml',
  svg: 'xml',
  yml: 'yaml',
};

/** The grammar name for a fence's language or a file's extension or name, or null when Hangar has none. */
export function grammarFor(lang: string): string | null {
  const key = lang.trim().toLowerCase();
  if (key === '') return null;
  const name = ALIASES[key] ?? key;
  return name in GRAMMARS ? name : null;
}

let core: Promise<HLJSApi> | null = null;
let loadedCore: HLJSApi | null = null;
const loading = new Map<string, Promise<void>>();
const loaded = new Set<string>();

/** Loads the core and the grammar for `lang` (once); resolves false when there is no grammar for it. */
export async function loadGrammar(lang: string): Promise<boolean> {
  const name = grammarFor(lang);
  if (!name) return false;
  core ??= import('highlight.js/lib/core').then((module) => {
    loadedCore = module.default;
    return module.default;
  });
  let pending = loading.get(name);
  if (!pending) {
    pending = Promise.all([core, GRAMMARS[name]!()]).then(([hljs, grammar]) => {
      hljs.registerLanguage(name, grammar.default);
      loaded.add(name);
    });
    // A failed chunk load (offline) may be retried later.
    pending.catch(() => loading.delete(name));
    loading.set(name, pending);
  }
  await pending;
  return true;
}

/** The highlighted tree of `code`, or null until its grammar has loaded (render plain text meanwhile). */
export function highlightLoaded(code: string, lang: string): HighlightNode[] | null {
  const name = grammarFor(lang);
  if (!name || !loadedCore || !loaded.has(name)) return null;
  return parseHighlightHtml(loadedCore.highlight(code, { language: name, ignoreIllegals: true }).value);
}

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#x27;': "'",
};

/**
 * highlight.js output is text escaped with the five entities above inside nested
 * `<span class="hljs-…">` elements and nothing else; this reads it back into a tree.
 */
export function parseHighlightHtml(html: string): HighlightNode[] {
  const root: HighlightNode[] = [];
  const stack: HighlightNode[][] = [root];
  for (const [, open, close, text] of html.matchAll(/<span class="([^"]*)">|(<\/span>)|([^<]+)/g)) {
    const top = stack.at(-1)!;
    if (open !== undefined) {
      const node = { scope: open.replace(/\bhljs-/g, '').trim(), children: [] };
      top.push(node);
      stack.push(node.children);
    } else if (close !== undefined) {
      if (stack.length > 1) stack.pop();
    } else if (text !== undefined) {
      top.push(text.replace(/&(?:amp|lt|gt|quot|#x27);/g, (entity) => ENTITIES[entity] ?? entity));
    }
  }
  return root;
}
