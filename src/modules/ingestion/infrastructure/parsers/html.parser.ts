import { Readability } from '@mozilla/readability';
import { JSDOM, VirtualConsole } from 'jsdom';
import { ParsedDocument, RawDocument } from '../../application/ports/parser.port';
import { UnreadableDocumentError } from '../../domain/ingestion.errors';
import { decodeText, stem } from './text-decoding';
import { cleanTitle } from './title';

/**
 * Keeps the main text of a page (Mozilla Readability, as Firefox Reader View) and drops navigation,
 * ads and scripts. Scripts never run (jsdom default) and subresources are not loaded. The title is the page's
 * <title>, else its first <h1>, else the file name.
 */
export function parseHtml(raw: RawDocument): ParsedDocument[] {
  const html = decodeText(raw.buffer, raw.filename);
  // jsdom and Readability recurse over the tree (Readability's cost grows with the cube of the depth: 700 nested
  // <div> held the event loop 35 s, 2,500 overflowed the stack): the depth is measured first, in one linear pass
  const depth = markupDepth(html);
  if (depth > MAX_MARKUP_DEPTH) {
    throw new UnreadableDocumentError(raw.filename, `its markup nests ${depth} elements deep, more than ${MAX_MARKUP_DEPTH}`);
  }
  const dom = new JSDOM(html, { url: raw.url ?? 'http://localhost/', virtualConsole: new VirtualConsole() });
  const doc = dom.window.document;
  const pageTitle = cleanTitle(doc.title ?? '');
  const h1 = cleanTitle(doc.querySelector('h1')?.textContent ?? '');
  // deeper than real pages nest, the page's text is kept whole (a linear walk) rather than Readability's pick
  const article = depth <= READABILITY_MAX_DEPTH ? new Readability(doc.cloneNode(true) as Document, { charThreshold: 100 }).parse() : null;
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

/** Deeper markup is refused (422 INGESTION.UNREADABLE_DOCUMENT); real pages nest a few dozen levels. */
export const MAX_MARKUP_DEPTH = 256;
/** Up to this depth Readability picks the article (0.2 s at 64 levels, 1.1 s at 256 on one core). */
const READABILITY_MAX_DEPTH = 64;

/** Elements that never nest (no end tag) and those whose end tag may be left out (a <p> or <li> closed by the next one). */
const NOT_NESTING = new Set(
  'area base br col embed hr img input link meta source track wbr param keygen p li dt dd option optgroup tr td th thead tbody tfoot colgroup rb rt rtc rp html head body'.split(' '),
);
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp']);
const TAG = /<(\/?)([a-zA-Z][^\s/>]*)[^>]*?(\/?)>|<!--/g;

/**
 * How deep the page's elements nest, read from the markup in one pass (no tree is built): comments and the content
 * of <script>, <style> and the like are skipped, and elements whose end tag may be omitted are not counted. "/>"
 * closes an element only inside <svg> and <math>, as browsers read it (a "<div/>" is an open <div>).
 */
export function markupDepth(html: string): number {
  let depth = 0;
  let max = 0;
  let foreign = 0;
  TAG.lastIndex = 0;
  for (let m = TAG.exec(html); m; m = TAG.exec(html)) {
    if (m[0] === '<!--') {
      const end = html.indexOf('-->', TAG.lastIndex);
      if (end < 0) break;
      TAG.lastIndex = end + 3;
      continue;
    }
    const name = m[2].toLowerCase();
    const isForeignRoot = name === 'svg' || name === 'math';
    if (m[1]) {
      if (!NOT_NESTING.has(name) && depth > 0) depth--;
      if (isForeignRoot && foreign > 0) foreign--;
      continue;
    }
    if (RAW_TEXT.has(name)) {
      const close = new RegExp(`</${name}`, 'gi'); // a name of RAW_TEXT: letters only
      close.lastIndex = TAG.lastIndex;
      if (!close.exec(html)) break;
      TAG.lastIndex = close.lastIndex - name.length - 2;
      continue;
    }
    if ((m[3] && foreign > 0) || NOT_NESTING.has(name)) continue;
    if (isForeignRoot) foreign++;
    if (++depth > max) max = depth;
  }
  return max;
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
