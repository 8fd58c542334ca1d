import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ParseLimitExceededError } from '../../domain/ingestion.errors';
import { columnNames, CsvDefaults, detectListColumns, detectTitleColumn, headerColumnCount, parseCsv, sniffDelimiter } from './csv.parser';

const DEFAULTS: CsvDefaults = {
  delimiter: 'auto',
  textColumns: [],
  titleColumn: '',
  idColumn: '',
  listColumns: [],
  detectListColumns: true,
  listSeparator: ',',
};
const ANIME_CSV = join(__dirname, '../../../../../test/fixtures/datasets/anime/anime_with_synopsis.csv');
const csv = (text: string, filename = 'planilha.csv') => ({ buffer: Buffer.from(text, 'utf8'), filename });

describe('parseCsv', () => {
  it('reads the anime dataset with defaults only: Genres becomes a list, Score a number', () => {
    const docs = parseCsv({ buffer: readFileSync(ANIME_CSV), filename: 'anime.csv' }, DEFAULTS);
    expect(docs).toHaveLength(269);
    const bebop = docs[0];
    expect(bebop.title).toBe('Cowboy Bebop');
    expect(bebop.metadata).toMatchObject({ MAL_ID: 1, Name: 'Cowboy Bebop', Score: 8.78 });
    expect(bebop.metadata.Genres).toEqual(['Action', 'Adventure', 'Comedy', 'Drama', 'Sci-Fi', 'Space']);
    // Genres (average 45 characters) is also auto-detected as text, next to the synopsis.
    // the short fields lead the text as one record line, so a name, a score or a code is searchable and quotable
    expect(bebop.text).toMatch(/^MAL_ID: 1; Name: Cowboy Bebop; Score: 8\.78\.\n\nAction, Adventure, Comedy, Drama, Sci-Fi, Space\n\n.*bounty hunters/s);
    expect(bebop.metadata.Synopsis).toBeUndefined();
  });

  it('keeps a comma-separated column as one string when detection is off or other lists are given', () => {
    const raw = { buffer: readFileSync(ANIME_CSV), filename: 'anime.csv' };
    expect(parseCsv(raw, { ...DEFAULTS, detectListColumns: false }, { textColumns: ['Synopsis'] })[0].metadata.Genres).toBe(
      'Action, Adventure, Comedy, Drama, Sci-Fi, Space',
    );
    expect(parseCsv(raw, DEFAULTS, { textColumns: ['Synopsis'], listColumns: ['Name'] })[0].metadata).toMatchObject({
      Name: ['Cowboy Bebop'],
      Genres: 'Action, Adventure, Comedy, Drama, Sci-Fi, Space',
    });
  });

  it('reads a pt-BR spreadsheet export: semicolons, decimal commas, a tag column', () => {
    const rows = [
      'código;nome;área;nota;tags;descrição',
      '1;Férias;RH;8,5;pessoas, benefícios;Como pedir férias pelo portal, com aprovação do gestor em até cinco dias úteis.',
      '2;Reembolso;Financeiro;7,25;benefícios, despesas;Reembolsos de viagem são pagos na folha seguinte à aprovação da nota.',
      '3;VPN;TI;9;acesso, segurança;A VPN corporativa exige autenticação em dois fatores e o cliente oficial instalado.',
      '4;Crachá;Facilities;6,0;acesso;O crachá perdido deve ser bloqueado na portaria e um novo é emitido em dois dias.',
      '5;Notebook;TI;7;segurança, acesso;"Notebooks são trocados a cada três anos; os dados ficam no drive corporativo."',
      '6;Plano de saúde;RH;8;pessoas, benefícios;Dependentes entram no plano de saúde com certidão, em até trinta dias.',
    ].join('\r\n');
    const docs = parseCsv(csv(rows), DEFAULTS);
    expect(docs).toHaveLength(6);
    expect(docs[1]).toMatchObject({
      title: 'Reembolso',
      text: 'código: 2; nome: Reembolso; área: Financeiro; nota: 7,25; tags: benefícios, despesas.\n\nReembolsos de viagem são pagos na folha seguinte à aprovação da nota.',
      metadata: { código: 2, nome: 'Reembolso', área: 'Financeiro', nota: 7.25, tags: ['benefícios', 'despesas'], row: 2 },
      sourceSuffix: '#2',
    });
    expect(docs[3].metadata).toMatchObject({ nota: 6, tags: ['acesso'] });
    expect(docs[4].text).toMatch(/\n\nNotebooks são trocados a cada três anos; os dados ficam no drive corporativo.$/);
  });

  it('reads pt-BR numbers only in a ";" file: "8,5", "2.500" and "1.234,56"; elsewhere a comma is text', () => {
    const docs = parseCsv(csv('id,title,valor\n1,Um,"8,5"\n2,Dois,"1,234"\n'), DEFAULTS, { textColumns: ['title'] });
    expect(docs.map((d) => d.metadata.valor)).toEqual(['8,5', '1,234']);
    const tabs = parseCsv(csv('id\ttitle\tvalor\n1\tUm\t1,234\n'), DEFAULTS, { textColumns: ['title'] });
    expect(tabs[0].metadata.valor).toBe('1,234');
    const br = parseCsv(csv('id;title;valor\n1;Um;8,5\n2;Dois;2.500\n3;Três;1.234,56\n4;Quatro;-0,75\n5;Cinco;7.25\n6;Seis;1.2.3\n'), DEFAULTS, {
      textColumns: ['title'],
    });
    expect(br.map((d) => d.metadata.valor)).toEqual([8.5, 2500, 1234.56, -0.75, 7.25, '1.2.3']);
  });

  it('with no long column, a pt-BR number column of a ";" file is metadata, not text (as 1234.56 is in a "," file)', () => {
    const br = parseCsv(csv('nome;preco;descricao\nCaneca;1.234,56;Caneca de louça\nCamiseta;99,90;Camiseta de algodão\n'), DEFAULTS);
    expect(br.map((d) => d.metadata.preco)).toEqual([1234.56, 99.9]);
    expect(br[1].text).not.toMatch(/^99,90$/m);
    const en = parseCsv(csv('nome,preco,descricao\nCaneca,1234.56,Caneca de louça\n'), DEFAULTS);
    expect(en[0].metadata.preco).toBe(1234.56);
  });

  it('reads a table of short fields (a price list) as one "campo: valor" record line per row, never titled by its price', () => {
    const docs = parseCsv(csv('servico;especie;preco;observacao\nVacina V10;cão;R$ 95,00;Reforço anual\nConsulta;gato;R$ 150,00;Retorno grátis\nConsulta;cão;R$ 160,00;Retorno grátis\n', 'precos.csv'), DEFAULTS);
    expect(docs[0].text).toBe('servico: Vacina V10; especie: cão; preco: R$ 95,00; observacao: Reforço anual.');
    expect(docs[0].metadata).toMatchObject({ servico: 'Vacina V10', especie: 'cão', preco: 'R$ 95,00' });
    expect(docs.map((d) => d.title)).toEqual(['precos #1', 'precos #2', 'precos #3']);
  });

  it('never lets two rows share a source id: a repeated chosen id is refused, a repeated guessed one gives way to row numbers', () => {
    const text = 'id,title,descrição\n1,Um,primeira linha\n1,Dois,segunda linha\n2,Três,terceira linha\n';
    expect(() => parseCsv(csv(text), DEFAULTS, { idColumn: 'id' })).toThrow(/id column "id" repeats "1" \(rows 1 and 2\) in planilha\.csv/);
    const docs = parseCsv(csv(text), DEFAULTS);
    expect(docs.map((d) => d.sourceSuffix)).toEqual(['#row-1', '#row-2', '#row-3']);
    expect(docs.map((d) => d.title)).toEqual(['Um', 'Dois', 'Três']);
    // a row without an id keeps its row number, as before
    expect(parseCsv(csv('id,title\n1,Um\n,Dois\n'), DEFAULTS, { textColumns: ['title'] }).map((d) => d.sourceSuffix)).toEqual(['#1', '#2']);
  });

  it('titles the anime rows by Name without being told', () => {
    const docs = parseCsv({ buffer: readFileSync(ANIME_CSV), filename: 'anime.csv' }, DEFAULTS);
    expect(docs.slice(0, 2).map((d) => d.title)).toEqual(['Cowboy Bebop', 'Cowboy Bebop: Tengoku no Tobira']);
    expect(docs.every((d) => !/^\d+$/.test(d.title))).toBe(true);
  });

  it('takes a question column as the title of an FAQ: id,pergunta,resposta', () => {
    const faq = [
      'id,pergunta,resposta',
      '1,Como peço férias?,"Pelo portal de RH, com trinta dias de antecedência e aprovação do gestor."',
      '2,Quando cai o reembolso?,"Na folha seguinte à aprovação da nota, se enviada até o dia 20."',
      '3,Quem aprova viagens?,"O gestor direto aprova viagens nacionais; internacionais passam pela diretoria."',
    ].join('\n');
    const docs = parseCsv(csv(faq, 'faq.csv'), DEFAULTS);
    expect(docs.map((d) => d.title)).toEqual(['Como peço férias?', 'Quando cai o reembolso?', 'Quem aprova viagens?']);
    expect(docs[2].text).toContain('O gestor direto aprova viagens nacionais');
    expect(docs[2].sourceSuffix).toBe('#3');
    // the question stays the title, but is not restated in the row's "campo: valor" line, where it was quoted as its own answer
    expect(docs[2].text).toBe('id: 3.\n\nO gestor direto aprova viagens nacionais; internacionais passam pela diretoria.');
  });

  it('keeps a title that is not a question in the record line: a code or a name can be asked for', () => {
    const docs = parseCsv(csv('codigo;produto;preco;descricao\nVRT-FIS;Módulo Fiscal;1.200,00;Emite notas fiscais eletrônicas de serviço e de produto.\n', 'precos.csv'), { ...DEFAULTS, titleColumn: 'codigo' });
    expect(docs[0].title).toBe('VRT-FIS');
    expect(docs[0].text).toMatch(/^codigo: VRT-FIS; produto: Módulo Fiscal; preco: 1\.200,00\./);
  });

  it('never titles a row by its id: id,texto gets the file name and row number', () => {
    const docs = parseCsv(csv('id,texto\n1,Primeiro registro do arquivo\n3,Terceiro registro do arquivo\n', 'notas.csv'), DEFAULTS);
    expect(docs.map((d) => d.title)).toEqual(['notas #1', 'notas #2']);
    expect(docs.map((d) => d.sourceSuffix)).toEqual(['#1', '#3']);
  });

  it.each([
    ['uuids', ['9b2f6c1e-0d3a-4b8e-9f1a-2c3d4e5f6a7b', '1c9e8d7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f', 'f0e1d2c3-b4a5-4968-8776-655443322110']],
    ['codes', ['SKU-0001', 'SKU-0002', 'SKU-0003']],
    ['numbers', ['10', '20', '30']],
    ['links', ['https://a.example/1', 'https://a.example/2', 'https://a.example/3']],
  ])('never picks a column of %s, even one named like a title', (_kind, ids) => {
    const text = ['name,categoria,detalhe', ...ids.map((id, i) => `${id},geral,"Descrição longa o bastante para ser o texto do registro ${i + 1} deste arquivo."`)].join('\n');
    expect(parseCsv(csv(text, 'itens.csv'), DEFAULTS).map((d) => d.title)).toEqual(['itens #1', 'itens #2', 'itens #3']);
  });

  it('a configured title column wins; a row with an empty title cell gets the file name and row number', () => {
    const docs = parseCsv(csv('codigo,rotulo,texto\nA1,Primeiro,um texto\nA2,,outro texto\n', 'x.csv'), DEFAULTS, { titleColumn: 'rotulo' });
    expect(docs.map((d) => d.title)).toEqual(['Primeiro', 'x #2']);
    expect(() => parseCsv(csv('a,b\n1,2\n'), DEFAULTS, { titleColumn: 'c' })).toThrow(/title column "c" is not in planilha\.csv/);
  });

  it('keeps every cell of a header that repeats a name or leaves one empty: a, a_2, coluna_<n> (the second "a" took the first one\'s place)', () => {
    const docs = parseCsv(csv('a,a,b\n1,2,3\n4,5,6\n', 'dup.csv'), DEFAULTS);
    expect(docs.map((d) => d.metadata)).toEqual([
      { a: 1, a_2: 2, b: 3, row: 1 },
      { a: 4, a_2: 5, b: 6, row: 2 },
    ]);
    // the row id is the first column's, as in any file
    expect(docs.map((d) => d.sourceSuffix)).toEqual(['#1', '#4']);
    const obs = parseCsv(csv('id;Observação;;Observação;\n7;primeira nota longa o bastante para ser texto do registro;x;segunda nota;y\n'), DEFAULTS);
    expect(obs[0].text).toBe('id: 7; coluna_3: x; Observação_2: segunda nota; coluna_5: y.\n\nprimeira nota longa o bastante para ser texto do registro');
    expect(obs[0].metadata).toMatchObject({ id: 7, Observação_2: 'segunda nota', coluna_3: 'x', coluna_5: 'y' });
    // a renamed column is named as the file says it now: text_columns etc. can pick it
    expect(parseCsv(csv('a,a,b\n1,dois,3\n'), DEFAULTS, { textColumns: ['a_2'] })[0].text).toBe('a: 1; b: 3.\n\ndois');
  });

  it('keeps a column named __proto__ as __proto___2: in metadata, the record line and the options (it vanished into the prototype)', () => {
    const docs = parseCsv(csv('id,__proto__,texto\n1,segredo,um texto longo o bastante para ser o texto indexado da linha\n'), DEFAULTS);
    expect(docs[0].metadata).toEqual({ id: 1, __proto___2: 'segredo', row: 1 });
    expect(Object.getPrototypeOf(docs[0].metadata)).toBe(Object.prototype);
    expect(Object.keys(docs[0].metadata)).not.toContain('__proto__');
    expect(docs[0].text).toContain('__proto___2: segredo');
    expect(parseCsv(csv('id,__proto__\n1,texto do registro\n'), DEFAULTS, { textColumns: ['__proto___2'] })[0].text).toBe('id: 1.\n\ntexto do registro');
  });

  it.each([
    [['__proto__', '__proto__', '__proto___2'], ['__proto___3', '__proto___4', '__proto___2']],
    [['a', 'a', 'a'], ['a', 'a_2', 'a_3']],
    [['a', 'a', 'a_2'], ['a', 'a_3', 'a_2']],
    [[' x ', 'x'], ['x', 'x_2']],
    [['', 'coluna_1', ''], ['coluna_1_2', 'coluna_1', 'coluna_3']],
  ])('columnNames(%j) -> %j', (header, expected) => {
    expect(columnNames(header)).toEqual(expected);
  });

  it('names a missing column and refuses a broken file', () => {
    expect(() => parseCsv(csv('a,b\n1,2\n'), DEFAULTS, { listColumns: ['c'] })).toThrow(/column "c" is not in planilha\.csv \(columns: a, b\)/);
    expect(() => parseCsv(csv('a,b\n"1,2\n'), DEFAULTS)).toThrow(/invalid CSV/);
  });

  it('a missing column in a wide file names ten columns and the count, not the whole header (issue 12: a 1.6 MB 400)', () => {
    const header = Array.from({ length: 400 }, (_, i) => `coluna_de_nome_bem_comprido_numero_${i}_${'x'.repeat(100)}`);
    const file = csv(`${header.join(',')}\n${header.map(() => 'v').join(',')}\n`);
    const missing = `inexistente${'y'.repeat(5000)}`;
    let message = '';
    try {
      parseCsv(file, DEFAULTS, { textColumns: [missing] });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/column "inexistentey+…" is not in planilha\.csv \(10 of 400 columns: coluna_de_nome_bem_comprido_numero_0_x+…, .*, …\)/);
    expect(message.length).toBeLessThan(1200);
    expect(() => parseCsv(file, DEFAULTS, { titleColumn: 'nada' })).toThrow(/title column "nada" is not in planilha\.csv \(10 of 400 columns: /);
  });
});

describe('sniffDelimiter', () => {
  it.each([
    ['a,b,c\n1,2,3', ','],
    ['a;b;c\n1,5;2;3', ';'],
    ['a\tb\tc\n', '\t'],
    ['a|b|c', '|'],
    ['"x;y;z",b,c\n', ','], // quoted delimiters do not count
    ['single\n1;2;3;4', ','], // only the header line counts; no candidate: a comma
  ])('%j -> %j', (text, expected) => {
    expect(sniffDelimiter(text)).toBe(expected);
  });
});

describe('detectTitleColumn', () => {
  const rows = (header: string[], ...lines: string[][]) => lines.map((l) => Object.fromEntries(header.map((h, i) => [h, l[i] ?? ''])));

  it('takes the leftmost short, unique text column when none is named like a title', () => {
    const r = rows(['id', 'cidade', 'produto', 'obs'], ['1', 'Recife', 'Cadeira gamer', 'x'], ['2', 'Recife', 'Mesa de escritório', 'x'], ['3', 'Natal', 'Luminária', 'x']);
    expect(detectTitleColumn(r, ['id', 'cidade', 'produto', 'obs'], ['produto', 'cidade'])).toBe('produto');
  });

  it('prefers a column named like a title, and refuses one that is mostly empty or long', () => {
    const header = ['assunto', 'nome'];
    expect(detectTitleColumn(rows(header, ['Férias', 'Ana'], ['Reembolso', 'Bruno'], ['VPN', 'Carla']), header, [])).toBe('nome');
    expect(detectTitleColumn(rows(['nome', 'x'], ['', '1'], ['', '2'], ['Ana', '3']), ['nome', 'x'], [])).toBeUndefined();
    const long = 'Um parágrafo inteiro '.repeat(10);
    expect(detectTitleColumn(rows(['title'], [long + 1], [long + 2], [long + 3]), ['title'], [])).toBeUndefined();
  });
});

describe('detectListColumns', () => {
  const rows = (values: string[]) => values.map((v) => ({ c: v }));

  it('takes a column of repeating short tags', () => {
    expect(detectListColumns(rows(['a, b', 'b, c', 'a', 'c, a', 'b', 'a, b, c']), ['c'], ',')).toEqual(['c']);
  });

  it.each([
    ['names that contain commas but do not repeat', ['Silva, Ana', 'Souza, Bruno', 'Lima, Carla', 'Reis, Davi', 'Melo, Eva', 'Paz, Fábio']],
    ['repeated places whose parts keep their order', ['São Paulo, SP', 'Campinas, SP', 'São Paulo, SP', 'Recife, PE', 'Campinas, SP', 'Recife, PE', 'São Paulo, SP']],
    ['decimal commas', ['8,5', '7,25', '9,0', '6,75', '8,5', '7,0']],
    ['long items', ['um texto bem longo que passa de quarenta caracteres, sim', 'x, y', 'x', 'y', 'x, y', 'y']],
    ['too few values with the separator', ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'a, b']],
    ['too few values', ['a, b', 'a, b']],
  ])('refuses %s', (_why, values) => {
    expect(detectListColumns(rows(values), ['c'], ',')).toEqual([]);
  });
});

describe('parseCsv budgets (ingestion.limits)', () => {
  const LIMITS = { maxColumns: 5, maxRecords: 3 };
  const refusal = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e as ParseLimitExceededError;
    }
    throw new Error('not refused');
  };

  it('counts the header columns before parsing a row, quoted delimiters and line breaks included', () => {
    expect(headerColumnCount('a,"b,c","d\ne",f\n1,2,3,4', ',')).toBe(4);
    const e = refusal(() => parseCsv(csv('a,b,c,d,e,f\n"x\n'), DEFAULTS, {}, LIMITS)); // the broken quote is never reached
    expect(e).toBeInstanceOf(ParseLimitExceededError);
    expect(e.code).toBe('INGESTION.TOO_MANY_COLUMNS');
    expect(e.kind).toBe('unprocessable');
    expect(e.details).toMatchObject({ limit: 'ingestion.limits.maxColumns', max: 5, found: 6 });
  });

  it('stops parsing at the first row past maxRecords', () => {
    expect(parseCsv(csv('nome,texto\na,um\nb,dois\nc,três\n'), DEFAULTS, {}, LIMITS)).toHaveLength(3);
    const e = refusal(() => parseCsv(csv('nome,texto\na,um\nb,dois\nc,três\nd,quatro\n"broken\n'), DEFAULTS, {}, LIMITS));
    expect(e).toBeInstanceOf(ParseLimitExceededError);
    expect(e.code).toBe('INGESTION.TOO_MANY_RECORDS');
    expect(e.message).toMatch(/more than the limit of 3 records \(ingestion\.limits\.maxRecords\)/);
  });
});
