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

/** textContent glues adjacent blocks ("fim.Início"); break lines at block boundaries first. */
function blockText(html: string): string {
  const spaced = html.replace(/<\/(p|div|h[1-6]|li|tr|blockquote|pre|section|article|header|footer|td|th|dd|dt)>|<br\s*\/?>/gi, (m) => `${m}\n\n`);
  const frag = JSDOM.fragment(spaced);
  return (frag.textContent ?? '').trim();
}

function tidy(text: string): string {
  return text
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n');
}
