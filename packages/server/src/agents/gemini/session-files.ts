/**
 * One canonical file per Gemini CLI session, so that `session/load` works any number of times.
 *
 * Gemini CLI 0.61.0 keeps a conversation in `$HOME/.gemini/tmp/<project>/chats/session-<minute>-<first 8
 * of id>.jsonl` and, at every start, opens a new (empty) file of that pattern for the process's own
 * startup chat. Left as they are, two things lose the history (docs/agents/gemini-cli.md, "Resume"):
 * a start in the same minute as the conversation's file name writes the empty chat into it, and the
 * startup session cleanup deletes every file that ends in the same 8 characters as an empty one.
 *
 * Before each resume Hangar therefore names the file Gemini would load (the one of the session with
 * content, the latest if several) `session-hangar-<full id>.jsonl` — a name no timestamped file can take
 * and the cleanup's `-<8 characters>.jsonl` match cannot reach — and moves the session's other files
 * (empty startup chats, older copies) into `hangar-set-aside/` beside `chats/`. Nothing is deleted or
 * overwritten: a file whose target exists gets a numbered name. settings.json turns the cleanup off too.
 */

/** The name of a session's canonical file in `chats/`. */
export function canonicalSessionFile(geminiSessionId: string): string {
  return `session-hangar-${geminiSessionId}.jsonl`;
}

/** Where the session's other files go, beside `chats/`. */
export const SET_ASIDE_DIR = 'hangar-set-aside';

/**
 * The script (CommonJS, for `node -e`; argv[1] is the session id), run in the sandbox as its user before
 * Gemini starts. It prints one JSON line: `{kept, setAside}` (file names), or `{kept:null}` without content.
 * A file's record is read the way Gemini does: its first metadata line names the session, message records
 * (by id) and `$set.messages` make up the conversation; it has content when a message counts for a resume.
 */
export const SETTLE_SESSION_FILES_SCRIPT = String.raw`
const fs = require('node:fs');
const path = require('node:path');
const id = process.argv[1];
if (!/^[A-Za-z0-9-]+$/.test(id || '')) { console.error('bad session id'); process.exit(2); }
const canonical = 'session-hangar-' + id + '.jsonl';
const text = (content) => typeof content === 'string' ? content
  : Array.isArray(content) ? content.map((p) => typeof p === 'string' ? p : (p && typeof p.text === 'string' ? p.text : '')).join('') : '';
const ignored = (t) => t.length === 0 || t.startsWith('/') || t.startsWith('?') || t.startsWith('<session_context>') || t.startsWith('<hook_context>');
const resumable = (m) => m.type === 'user' ? !ignored(text(m.content).trim())
  : m.type === 'gemini' ? text(m.content).trim().length > 0 || (m.toolCalls || []).length > 0 || (m.thoughts || []).length > 0 : false;
function read(file) {
  let meta = {};
  let messages = new Map();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let r;
    try { r = JSON.parse(line); } catch { continue; }
    if (!r || typeof r !== 'object') continue;
    if (typeof r.$rewindTo === 'string') {
      let found = false;
      for (const key of [...messages.keys()]) { if (key === r.$rewindTo) found = true; if (found) messages.delete(key); }
      if (!found) messages.clear();
    } else if (typeof r.id === 'string') messages.set(r.id, r);
    else if (r.$set && typeof r.$set === 'object') {
      if (Array.isArray(r.$set.messages)) { messages = new Map(); for (const m of r.$set.messages) if (m && typeof m.id === 'string') messages.set(m.id, m); }
      meta = { ...meta, ...r.$set };
    } else if (typeof r.sessionId === 'string' && typeof r.projectHash === 'string') meta = { ...meta, ...r };
  }
  const updated = Date.parse(meta.lastUpdated || meta.startTime || '') || fs.statSync(file).mtimeMs;
  return { sessionId: meta.sessionId, content: [...messages.values()].some(resumable), updated };
}
function free(target) {
  if (!fs.existsSync(target)) return target;
  for (let n = 1; ; n++) if (!fs.existsSync(target + '.' + n)) return target + '.' + n;
}
const result = { kept: null, setAside: [] };
const tmp = path.join(process.env.HOME, '.gemini', 'tmp');
for (const project of fs.existsSync(tmp) ? fs.readdirSync(tmp) : []) {
  const chats = path.join(tmp, project, 'chats');
  if (!fs.existsSync(chats) || !fs.statSync(chats).isDirectory()) continue;
  const files = [];
  for (const name of fs.readdirSync(chats).sort()) {
    if (!name.startsWith('session-') || !name.endsWith('.jsonl')) continue;
    const file = path.join(chats, name);
    if (!fs.statSync(file).isFile()) continue;
    let record;
    try { record = read(file); } catch { continue; }
    if (record.sessionId === id) files.push({ name, file, ...record });
  }
  const withContent = files.filter((f) => f.content);
  if (withContent.length === 0) continue;
  // Gemini loads the latest of the files with content; ties: the canonical one stays.
  const keep = withContent.reduce((a, b) => b.updated > a.updated || (b.updated === a.updated && b.name === canonical) ? b : a);
  const aside = path.join(tmp, project, 'hangar-set-aside');
  for (const f of files) {
    if (f === keep) continue;
    fs.mkdirSync(aside, { recursive: true });
    fs.renameSync(f.file, free(path.join(aside, f.name)));
    result.setAside.push(f.name);
  }
  if (keep.name !== canonical) {
    const target = path.join(chats, canonical);
    if (fs.existsSync(target)) { fs.mkdirSync(aside, { recursive: true }); fs.renameSync(target, free(path.join(aside, canonical))); }
    fs.renameSync(keep.file, target);
  }
  result.kept = path.join(project, 'chats', canonical);
}
console.log(JSON.stringify(result));
`;

/** The command that settles a session's files before `session/load` (see SETTLE_SESSION_FILES_SCRIPT). */
export function settleSessionFilesCommand(geminiSessionId: string): string[] {
  return ['/usr/bin/node', '-e', SETTLE_SESSION_FILES_SCRIPT, geminiSessionId];
}
