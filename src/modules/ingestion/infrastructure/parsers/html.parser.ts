import { Readability } from '@mozilla/readability';
import { JSDOM, VirtualConsole } from 'jsdom';
import { ParsedDocument, RawDocument } from '../../application/ports/parser.port';
import { decodeText, stem } from './text-decoding';
import { cleanTitle } from './title';

/**
 * Keeps the main text of a page (Mozilla Readability, as Firefox Reader View) and drops navigation,
 * ads and scripts. Scripts never run (jsdom default) and subresources are not loaded. The title is the page's
 * <title>, else its first <h1>, else the file name.
 */
export function parseHtml(raw: RawDocument): ParsedDocument[] {
  const html = decodeText(raw.buffer, raw.filename);
  const dom = new JSDOM(html, { url: raw.url ?? 'http://localhost/', virtualConsole: new VirtualConsole() });
  const doc = dom.window.document;
  const pageTitle = cleanTitle(doc.title ?? '');
  const h1 = cleanTitle(doc.querySelector('h1')?.textContent ?? '');
  const article = new Readability(doc.cloneNode(true) as Document, { charThreshold: 100 }).parse();
  let text = article?.content ? blockText(article.content) : '';
  if (text.length < 40) {
    doc.querySelectorAll('script, style, noscript, template').forEach((n) => n.remove());
    text = (doc.body?.textContent ?? '').trim();
  }
  const lang = doc.documentElement.getAttribute('lang') ?? undefined;
  dom.window.close();
  return [
    {
      // Readability's title is the <title>, a site-name suffix dropped when it can tell.
      title: cleanTitle(article?.title ?? '') || pageTitle || h1 || stem(raw.filename),
      text: tidy(text),
      mimeType: 'text/html',
      metadata: lang ? { lang } : {},
    },
  ];
}

const BLOCKS = new Set(['P', 'DIV', 'LI', 'BLOCKQUOTE', 'PRE', 'SECTION', 'ARTICLE', 'HEADER', 'FOOTER', 'DD', 'DT', 'UL', 'OL', 'DL', 'FIGURE', 'FIGCAPTION', 'ASIDE', 'MAIN', 'NAV', 'CAPTION']);

/**
 * The article as plain text with its structure kept the way Markdown writes it: blocks on their own
 * lines, headings as "## Título", list items as "- item", and each table row as one line of cells
 * between pipes ("| São Paulo | R$ 450,00 |"), so a row stays one sentence for search and answers.
 * (textContent alone glues adjacent blocks: "fim.Início", and puts every cell on a line of its own.)
 */
function blockText(html: string): string {
  const out: string[] = [];
  const walk = (node: Node): void => {
    if (node.nodeType === 3) {
      out.push(node.textContent ?? '');
      return;
    }
    if (node.nodeType !== 1 && node.nodeType !== 11) return;
    const el = node as Element;
    const tag = node.nodeType === 1 ? el.tagName : '';
    if (tag === 'TABLE') {
      const rows = [...el.querySelectorAll('tr')].map((tr) => [...tr.children].map((c) => (c.textContent ?? '').replace(/\s+/g, ' ').trim()));
      const lines = rows.filter((r) => r.some(Boolean)).map((r) => `| ${r.join(' | ')} |`);
      out.push(`\n\n${lines.join('\n')}\n\n`);
      return;
    }
    if (/^H[1-6]$/.test(tag)) {
      out.push(`\n\n${'#'.repeat(Number(tag[1]))} ${(el.textContent ?? '').replace(/\s+/g, ' ').trim()}\n\n`);
      return;
    }
    if (tag === 'BR') {
      out.push('\n');
      return;
    }
    const block = BLOCKS.has(tag);
    if (block) out.push(tag === 'LI' ? '\n- ' : '\n\n');
    node.childNodes.forEach(walk);
    if (block) out.push('\n\n');
  };
  walk(JSDOM.fragment(html));
  return out.join('').trim();
}

function tidy(text: string): string {
  return text
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n');
}
