/**
 * A small Markdown reader for agent replies: fenced code, headings, lists,
 * quotes, rules and paragraphs, with inline code, bold, italic and links.
 * It yields data, not HTML, so the renderer builds React elements and no
 * agent output ever reaches innerHTML. Unclosed fences (a reply still
 * streaming) read as code up to the end.
 */

export type Block =
  | { type: 'code'; lang: string; text: string }
  | { type: 'heading'; level: number; text: string }
  | { type: 'list'; ordered: boolean; items: string[] }
  | { type: 'quote'; text: string }
  | { type: 'rule' }
  | { type: 'paragraph'; text: string };

export type Inline =
  | { type: 'text'; text: string }
  | { type: 'code'; text: string }
  | { type: 'strong'; children: Inline[] }
  | { type: 'em'; children: Inline[] }
  | { type: 'link'; href: string; children: Inline[] };

const FENCE = /^\s*(```|~~~)\s*([\w+-]*)/;
const HEADING = /^(#{1,6})\s+(.*)$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;
const RULE = /^\s*([-*_])(\s*\1){2,}\s*$/;

export function parseBlocks(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length) blocks.push({ type: 'paragraph', text: paragraph.join('\n') });
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence) {
      flush();
      const body: string[] = [];
      const marker = fence[1]!;
      while (++i < lines.length && !lines[i]!.trim().startsWith(marker)) body.push(lines[i]!);
      blocks.push({ type: 'code', lang: fence[2] ?? '', text: body.join('\n') });
      continue;
    }
    if (line.trim() === '') {
      flush();
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      flush();
      blocks.push({ type: 'heading', level: heading[1]!.length, text: heading[2]!.trim() });
      continue;
    }
    if (RULE.test(line)) {
      flush();
      blocks.push({ type: 'rule' });
      continue;
    }
    const item = BULLET.exec(line) ?? NUMBERED.exec(line);
    if (item) {
      flush();
      const ordered = !BULLET.test(line);
      const previous = blocks.at(-1);
      if (previous?.type === 'list' && previous.ordered === ordered && lines[i - 1]?.trim() !== '')
        previous.items.push(item[1]!);
      else blocks.push({ type: 'list', ordered, items: [item[1]!] });
      continue;
    }
    if (line.startsWith('>')) {
      flush();
      const previous = blocks.at(-1);
      const text = line.replace(/^>\s?/, '');
      if (previous?.type === 'quote' && lines[i - 1]?.startsWith('>')) previous.text += `\n${text}`;
      else blocks.push({ type: 'quote', text });
      continue;
    }
    // A line following a list item continues it (lazy continuation).
    const previous = blocks.at(-1);
    if (
      paragraph.length === 0 &&
      previous?.type === 'list' &&
      lines[i - 1]?.trim() !== '' &&
      /^\s+/.test(line)
    ) {
      previous.items[previous.items.length - 1] += ` ${line.trim()}`;
      continue;
    }
    paragraph.push(line);
  }
  flush();
  return blocks;
}

const INLINE =
  /(`+)([\s\S]*?)\1|\*\*([\s\S]+?)\*\*|__([\s\S]+?)__|\*([^*\s][^*]*?)\*|_([^_\s][^_]*?)_(?!\w)|\[([^\]]+)\]\(([^)\s]+)\)|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])/;

/** Only web and mail links: a `javascript:` URL in agent output must not become clickable. */
export function safeHref(href: string): string | null {
  return /^(https?:|mailto:)/i.test(href) ? href : null;
}

export function parseInline(source: string): Inline[] {
  const out: Inline[] = [];
  let rest = source;
  while (rest) {
    const match = INLINE.exec(rest);
    if (!match) {
      out.push({ type: 'text', text: rest });
      break;
    }
    if (match.index > 0) out.push({ type: 'text', text: rest.slice(0, match.index) });
    const [whole, ticks, code, strong1, strong2, em1, em2, label, href, bare] = match;
    if (ticks) out.push({ type: 'code', text: code!.trim() === '' ? code! : code!.trim() });
    else if (strong1 ?? strong2) out.push({ type: 'strong', children: parseInline((strong1 ?? strong2)!) });
    else if (em1 ?? em2) out.push({ type: 'em', children: parseInline((em1 ?? em2)!) });
    else if (label && href) {
      const safe = safeHref(href);
      if (safe) out.push({ type: 'link', href: safe, children: parseInline(label) });
      else out.push({ type: 'text', text: whole });
    } else if (bare) out.push({ type: 'link', href: bare, children: [{ type: 'text', text: bare }] });
    rest = rest.slice(match.index + whole.length);
  }
  return out;
}
