import { UnreadableDocumentError } from '../../domain/ingestion.errors';
import { markupDepth, MAX_MARKUP_DEPTH, parseHtml } from './html.parser';

describe('parseHtml', () => {
  it('keeps the article, drops navigation and scripts, and keeps paragraph breaks', () => {
    const html = `<html lang="pt"><head><title>Férias</title></head><body><nav>Início | Blog</nav><article><h1>Férias</h1>
      <p>Cada colaborador tem direito a trinta dias corridos de férias por ano, em até três períodos.</p><p>O pedido é feito no portal de RH com antecedência mínima de trinta dias.</p>
      </article><script>alert(1)</script></body></html>`;
    const [doc] = parseHtml({ buffer: Buffer.from(html), filename: 'ferias.html' });
    expect(doc.title).toBe('Férias');
    expect(doc.metadata).toEqual({ lang: 'pt' });
    expect(doc.text).toMatch(/por ano, em até três períodos\.\n+O pedido/);
    expect(doc.text).not.toMatch(/Início \| Blog|alert/);
  });
});

describe('parseHtml structure', () => {
  const page = (body: string) =>
    parseHtml({
      buffer: Buffer.from(`<html><head><title>Viagens</title></head><body><article>${body}<p>${'Texto corrido da política de viagens da empresa. '.repeat(4)}</p></article></body></html>`),
      filename: 'viagens.html',
    })[0].text;

  it('writes each table row as one line of cells, so a row stays one sentence', () => {
    const text = page('<h2>4. Hospedagem</h2><table><thead><tr><th>Cidade</th><th>Limite por noite</th></tr></thead><tbody><tr><td>São Paulo</td><td>R$ 450,00</td></tr><tr><td>Brasília</td><td>R$ 380,00</td></tr></tbody></table>');
    expect(text).toContain('## 4. Hospedagem');
    expect(text).toContain('| Cidade | Limite por noite |\n| São Paulo | R$ 450,00 |\n| Brasília | R$ 380,00 |');
  });

  it('keeps list items apart and marks them as items', () => {
    const text = page('<ul><li>Passagens em classe econômica.</li><li>Táxi até o aeroporto</li></ul>');
    expect(text).toMatch(/- Passagens em classe econômica\.\n+- Táxi até o aeroporto/);
  });
});

describe('parseHtml nesting (hostile markup)', () => {
  const nested = (levels: number, tag = 'div') =>
    `<html><head><title>Aninhado</title></head><body>${`<${tag}>`.repeat(levels)}${'Texto da página aninhada. '.repeat(10)}${`</${tag}>`.repeat(levels)}</body></html>`;
  const parse = (html: string) => parseHtml({ buffer: Buffer.from(html), filename: 'aninhado.html' });

  it('measures the depth elements nest to, as a browser would build them', () => {
    expect(markupDepth(nested(700))).toBe(700);
    expect(markupDepth('<div/>'.repeat(3000))).toBe(3000); // "/>" does not close a <div>
    expect(markupDepth(`<div><svg>${'<path d="M0 0"/>'.repeat(3000)}</svg></div>`)).toBe(2); // it closes an SVG element
    expect(markupDepth(`<div>${'<p>linha <br> <li>item <img src=x>'.repeat(3000)}</div>`)).toBe(1); // end tags left out
    expect(markupDepth(`<div><!-- ${'<div>'.repeat(3000)} --><script>${'<div>'.repeat(3000)}</script></div>`)).toBe(1);
  });

  it('refuses markup nested deeper than real pages as unreadable (700 <div> held the event loop 35 s, 2,500 overflowed the stack)', () => {
    for (const html of [nested(MAX_MARKUP_DEPTH + 1), nested(100_000), '<div/>'.repeat(5000)]) {
      let error: unknown;
      try {
        parse(html);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UnreadableDocumentError);
      expect((error as UnreadableDocumentError).code).toBe('INGESTION.UNREADABLE_DOCUMENT');
    }
  });

  it('keeps the whole text of a page nested up to the limit, without Readability past 64 levels', () => {
    const [doc] = parse(nested(MAX_MARKUP_DEPTH));
    expect(doc.title).toBe('Aninhado');
    expect(doc.text).toBe('Texto da página aninhada. '.repeat(10).trim());
  });
});
