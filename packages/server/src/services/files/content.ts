import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

/** Bytes looked at for a NUL when deciding whether a file is binary (git looks at 8000 too). */
const SNIFF_BYTES = 8000;
const CHUNK_BYTES = 64 * 1024;

/** A strong ETag of a file's content: equal content, equal tag, whatever its mtime. */
export function etagOf(content: Buffer): string {
  return `"${createHash('sha256').update(content).digest('base64url').slice(0, 32)}"`;
}

/** The ETag of an open file's content, read in chunks (for files of any size). */
export async function etagOfHandle(handle: FileHandle): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(CHUNK_BYTES);
  for (let position = 0; ;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return `"${hash.digest('base64url').slice(0, 32)}"`;
}

/** Reads at most `limit` bytes of an open file; returns undefined if it holds more. */
export async function readAtMost(handle: FileHandle, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buffer = Buffer.alloc(Math.min(CHUNK_BYTES, limit + 1 - total));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, total);
    if (bytesRead === 0) return Buffer.concat(chunks);
    chunks.push(buffer.subarray(0, bytesRead));
    total += bytesRead;
    if (total > limit) return undefined;
  }
}

/**
 * Whether an If-Match header names this ETag. `*` matches any existing file;
 * weak tags (`W/"..."`) never match, as RFC 9110 asks for If-Match.
 */
export function ifMatchAccepts(header: string, etag: string): boolean {
  return header
    .split(',')
    .map((tag) => tag.trim())
    .some((tag) => tag === '*' || tag === etag);
}

/** Binary: a NUL in the first bytes, or not valid UTF-8. */
export function isBinary(content: Buffer): boolean {
  if (content.subarray(0, SNIFF_BYTES).includes(0)) return true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(content);
    return false;
  } catch {
    return true;
  }
}

const BY_EXTENSION = new Map(
  Object.entries({
    ts: 'typescript',
    mts: 'typescript',
    cts: 'typescript',
    tsx: 'tsx',
    js: 'javascript',
    mjs: 'javascript',
    cjs: 'javascript',
    jsx: 'jsx',
    json: 'json',
    jsonc: 'json',
    py: 'python',
    rb: 'ruby',
    go: 'go',
    rs: 'rust',
    java: 'java',
    kt: 'kotlin',
    swift: 'swift',
    c: 'c',
    h: 'c',
    cc: 'cpp',
    cpp: 'cpp',
    hpp: 'cpp',
    cs: 'csharp',
    php: 'php',
    lua: 'lua',
    r: 'r',
    sh: 'sh',
    bash: 'bash',
    zsh: 'zsh',
    yml: 'yaml',
    yaml: 'yaml',
    toml: 'toml',
    ini: 'ini',
    md: 'markdown',
    markdown: 'markdown',
    html: 'html',
    htm: 'html',
    xml: 'xml',
    svg: 'xml',
    css: 'css',
    scss: 'scss',
    sql: 'sql',
    vue: 'vue',
    svelte: 'svelte',
  }),
);

const BY_NAME = new Map(
  Object.entries({
    dockerfile: 'dockerfile',
    makefile: 'make',
    gnumakefile: 'make',
    '.bashrc': 'bash',
    '.profile': 'sh',
    '.gitignore': 'ini',
  }),
);

/** A highlighter language for a file name, or null when none fits. */
export function languageOf(name: string): string | null {
  const lower = name.toLowerCase();
  const byName = BY_NAME.get(lower);
  if (byName) return byName;
  const dot = lower.lastIndexOf('.');
  if (dot <= 0) return null;
  return BY_EXTENSION.get(lower.slice(dot + 1)) ?? null;
}
