import { memo, type ReactNode } from 'react';
import { HighlightedCode } from '../../components/highlighted-code';
import { parseBlocks, parseInline, type Block, type Inline } from './markdown';

/** Markdown as React elements: agent output never reaches innerHTML. */
export const MarkdownView = memo(function MarkdownView({ text }: { text: string }) {
  return <div className="markdown">{parseBlocks(text).map(renderBlock)}</div>;
});

function renderBlock(block: Block, index: number): ReactNode {
  switch (block.type) {
    case 'code':
      return <CodeBlock key={index} lang={block.lang} code={block.text} />;
    case 'heading': {
      // Headings inside a reply sit below the page's own: h3 to h6.
      const Tag = `h${Math.min(6, block.level + 2)}` as 'h3';
      return <Tag key={index}>{renderInline(parseInline(block.text))}</Tag>;
    }
    case 'list': {
      const Tag = block.ordered ? 'ol' : 'ul';
      return (
        <Tag key={index}>
          {block.items.map((item, i) => (
            <li key={i}>{renderInline(parseInline(item))}</li>
          ))}
        </Tag>
      );
    }
    case 'quote':
      return <blockquote key={index}>{renderInline(parseInline(block.text))}</blockquote>;
    case 'rule':
      return <hr key={index} />;
    case 'paragraph':
      return <p key={index}>{renderInline(parseInline(block.text))}</p>;
  }
}

function renderInline(parts: Inline[]): ReactNode[] {
  return parts.map((part, index) => {
    switch (part.type) {
      case 'text':
        return part.text;
      case 'code':
        return <code key={index}>{part.text}</code>;
      case 'strong':
        return <strong key={index}>{renderInline(part.children)}</strong>;
      case 'em':
        return <em key={index}>{renderInline(part.children)}</em>;
      case 'link':
        return (
          <a key={index} href={part.href} target="_blank" rel="noopener noreferrer nofollow">
            {renderInline(part.children)}
          </a>
        );
    }
  });
}

export function CodeBlock({ code, lang = '' }: { code: string; lang?: string }) {
  return (
    // Focusable, so a keyboard can scroll a long line sideways.
    <pre className="code-block" data-lang={lang || undefined} tabIndex={0}>
      <code>
        <HighlightedCode code={code} lang={lang} />
      </code>
    </pre>
  );
}
