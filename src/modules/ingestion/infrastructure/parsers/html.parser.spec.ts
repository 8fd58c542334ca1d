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
