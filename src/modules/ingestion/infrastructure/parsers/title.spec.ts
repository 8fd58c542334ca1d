import JSZip from 'jszip';
import mammoth from 'mammoth';
import { makeDocx, makePdf } from '../../../../../test/support/fixtures';
import { parseDocx } from './docx.parser';
import { parseHtml } from './html.parser';
import { parsePdf } from './pdf.parser';
import { parseMarkdown, parsePlainText } from './plain-text.parser';
import { firstLineTitle, propertiesTitle } from './title';

const file = (text: string, filename: string) => ({ buffer: Buffer.from(text, 'utf8'), filename });
const titleOf = async (docs: Promise<{ title: string }[]> | { title: string }[]) => (await docs)[0].title;

describe('txt: a short first line is the title', () => {
  it.each([
    ['a heading line, a blank line, then text', 'Política de férias\n\nCada colaborador tem trinta dias por ano.', 'Política de férias'],
    ['a heading line followed directly by text', 'Reembolso de despesas\nAbra um ticket no Jira com a tag financeiro.', 'Reembolso de despesas'],
    ['blank lines and spaces around it', '\n\n   Guia   de  VPN  \r\n\r\nInstale o cliente oficial.', 'Guia de VPN'],
  ])('%s', async (_why, text, title) => {
    expect(await titleOf(parsePlainText(file(text, 'docs/notas.txt')))).toBe(title);
  });

  it.each([
    ['a first sentence', 'O acervo guarda documentos e responde com citações.\n\nMais texto.'],
    ['a line ending in a colon', 'Passos para pedir reembolso:\n1. abrir o ticket'],
    ['a question (sentence punctuation)', 'Como pedir férias?\n\nPelo portal de RH.'],
    ['a single line (all body)', 'Um arquivo de uma linha só'],
    ['a wrapped sentence (next line in lowercase)', 'O acervo guarda documentos e responde com\ncitações de cada trecho usado.'],
    ['a line over 120 characters', `${'palavra '.repeat(16)}\n\nTexto.`],
    ['a list item', '- comprar café\n- comprar leite'],
    ['no letters', '2024-05-01\n\nReunião de planejamento.'],
  ])('file name when the first line is %s', async (_why, text) => {
    expect(await titleOf(parsePlainText(file(text, 'docs/notas.txt')))).toBe('notas');
  });

  it('firstLineTitle has no opinion on an empty text', () => {
    expect(firstLineTitle('')).toBeUndefined();
    expect(firstLineTitle('\n \n')).toBeUndefined();
  });
});

describe('md: front matter title, first # heading, first short line', () => {
  it.each([
    ['the first level-1 heading', '# Manual do acervo\n\nComo carregar uma pasta.\n\n## Opções\n\nColeção.', 'Manual do acervo'],
    ['a level-1 heading after a level-2 one', '## Sumário\n\n- um\n\n# Guia de implantação\n\nTexto.', 'Guia de implantação'],
    ['a setext heading', 'Guia de VPN\n===========\n\nInstale o cliente.', 'Guia de VPN'],
    ['inline markup stripped', '# O **acervo** e o [`ingest`](docs/cli.md)\n\nTexto.', 'O acervo e o ingest'],
    ['closing hashes dropped', '# Backups #\n\nDiários às 02h00.', 'Backups'],
    ['front matter title', '---\ntitle: "Política de viagens"\nlang: pt\n---\n# Outro título\n\nTexto.', 'Política de viagens'],
    ['the first heading of any level when there is no # heading', 'Introdução curta ao texto.\n\n### Detalhes\n\nMais.', 'Detalhes'],
    ['a short first line when there is no heading', 'Notas da reunião\n\nDecidimos migrar o banco.', 'Notas da reunião'],
  ])('%s', async (_why, text, title) => {
    expect(await titleOf(parseMarkdown(file(text, 'leia-me.md')))).toBe(title);
  });

  it('a # line inside a code block is not a heading', async () => {
    const text = 'Instalação do cliente.\n\n```bash\n# instala as dependências\nnpm ci\n```\n\n## Uso\n\nRode o comando.';
    expect(await titleOf(parseMarkdown(file(text, 'leia-me.md')))).toBe('Uso');
    expect(await titleOf(parseMarkdown(file('```sh\n# só código\n```\n', 'script.md')))).toBe('script');
  });
});

describe('html: <title>, else the first <h1>, else the file name', () => {
  const body = `<p>${'Cada colaborador tem direito a trinta dias corridos de férias por ano. '.repeat(3)}</p>`;
  it.each([
    ['the <title>', `<html><head><title>Férias</title></head><body><h1>Outra coisa</h1>${body}</body></html>`, 'Férias'],
    ['the first <h1> without a <title>', `<html><body><h1>Guia  de\n férias</h1>${body}<h1>Segunda</h1></body></html>`, 'Guia de férias'],
    ['the file name with neither', `<html><body>${body}</body></html>`, 'ferias'],
  ])('%s', async (_why, html, title) => {
    expect(await titleOf(parseHtml(file(html, 'site/ferias.html')))).toBe(title);
  });
});

/** A .docx with styled paragraphs ([style id, text]), an optional styles part and optional core properties. */
async function styledDocx(paragraphs: [string | null, string][], opts: { styles?: string; coreTitle?: string } = {}): Promise<Buffer> {
  const zip = await JSZip.loadAsync(await makeDocx([]));
  const x = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const ps = paragraphs
    .map(([style, text]) => `<w:p>${style ? `<w:pPr><w:pStyle w:val="${style}"/></w:pPr>` : ''}<w:r><w:t xml:space="preserve">${x(text)}</w:t></w:r></w:p>`)
    .join('');
  zip.file(
    'word/document.xml',
    `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${ps}</w:body></w:document>`,
  );
  if (opts.styles) {
    zip.file(
      'word/styles.xml',
      `<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">${opts.styles}</w:styles>`,
    );
    zip.file(
      'word/_rels/document.xml.rels',
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
    );
  }
  if (opts.coreTitle !== undefined) {
    zip.file(
      'docProps/core.xml',
      '<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" ' +
        `xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>${x(opts.coreTitle)}</dc:title><dc:creator>acervo</dc:creator></cp:coreProperties>`,
    );
  }
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

describe('docx: first heading, core properties title, first short line', () => {
  const body = 'No primeiro dia o colaborador recebe o notebook e o crachá.';

  it('the first paragraph styled as a heading, even after body text', async () => {
    const docx = await styledDocx([[null, 'Versão 3, revisada em maio.'], ['Heading1', 'Manual de Onboarding'], [null, body]], {
      coreTitle: 'Título antigo do modelo',
    });
    expect(await titleOf(parseDocx({ buffer: docx, filename: 'onboarding.docx' }))).toBe('Manual de Onboarding');
  });

  it('a heading by style name, as pt-BR Word writes it (style id Ttulo1)', async () => {
    const styles = '<w:style w:type="paragraph" w:styleId="Ttulo1"><w:name w:val="heading 1"/></w:style>';
    const docx = await styledDocx([[null, 'Rascunho interno, não circular.'], ['Ttulo1', 'Política de Segurança'], [null, body]], { styles });
    expect(await titleOf(parseDocx({ buffer: docx, filename: 'seguranca.docx' }))).toBe('Política de Segurança');
  });

  it('the core properties title when no paragraph is a heading', async () => {
    const docx = await styledDocx([[null, 'Este documento descreve o processo.'], [null, body]], { coreTitle: 'Integração de novos colaboradores & acessos' });
    expect(await titleOf(parseDocx({ buffer: docx, filename: 'onboarding.docx' }))).toBe('Integração de novos colaboradores & acessos');
  });

  it('a placeholder core title is skipped for the first short line, then the file name', async () => {
    const docx = await styledDocx([[null, 'Manual de Onboarding'], [null, body]], { coreTitle: 'Documento1' });
    expect(await titleOf(parseDocx({ buffer: docx, filename: 'onboarding.docx' }))).toBe('Manual de Onboarding');
    const plain = await makeDocx(['Este documento descreve o processo.', body]);
    expect(await titleOf(parseDocx({ buffer: plain, filename: 'pasta/onboarding.docx' }))).toBe('onboarding');
  });

  it('extracts the same text as mammoth.extractRawText (content hashes do not move)', async () => {
    const docx = await styledDocx([['Heading1', 'Título'], [null, 'Primeiro\tparágrafo.'], [null, ''], [null, body]]);
    const [doc] = await parseDocx({ buffer: docx, filename: 'x.docx' });
    expect(doc.text).toBe((await mammoth.extractRawText({ buffer: docx })).value);
    expect(doc.text).toContain('Primeiro\tparágrafo.\n\n');
  });
});

describe('pdf: the metadata Title when present', () => {
  const lines = ['Politica de ferias: cada colaborador tem 30 dias por ano.'];

  it('uses the Info Title', async () => {
    expect(await titleOf(parsePdf({ buffer: makePdf(lines, 'Política de Férias'), filename: 'rh/ferias.pdf' }))).toBe('Política de Férias');
  });

  it.each([['Documento1'], ['Untitled'], ['Apresentação do PowerPoint'], ['  ']])('falls back to the file name for the placeholder %j', async (placeholder) => {
    expect(await titleOf(parsePdf({ buffer: makePdf(lines, placeholder), filename: 'rh/ferias.pdf' }))).toBe('ferias');
  });

  it('drops an exporter prefix and extension', () => {
    expect(propertiesTitle('Microsoft Word - Relatório anual 2024.docx')).toBe('Relatório anual 2024');
    expect(propertiesTitle(undefined)).toBeUndefined();
  });
});
