import { parseHtml } from './html.parser';

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
