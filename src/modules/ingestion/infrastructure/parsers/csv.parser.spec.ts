import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CsvDefaults, detectListColumns, parseCsv, sniffDelimiter } from './csv.parser';

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
    expect(bebop.text).toMatch(/^Action, Adventure, Comedy, Drama, Sci-Fi, Space\n\n.*bounty hunters/s);
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
      text: 'Reembolsos de viagem são pagos na folha seguinte à aprovação da nota.',
      metadata: { código: 2, nome: 'Reembolso', área: 'Financeiro', nota: 7.25, tags: ['benefícios', 'despesas'], row: 2 },
      sourceSuffix: '#2',
    });
    expect(docs[3].metadata).toMatchObject({ nota: 6, tags: ['acesso'] });
    expect(docs[4].text).toBe('Notebooks são trocados a cada três anos; os dados ficam no drive corporativo.');
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

  it('never lets two rows share a source id: a repeated chosen id is refused, a repeated guessed one gives way to row numbers', () => {
    const text = 'id,title,descrição\n1,Um,primeira linha\n1,Dois,segunda linha\n2,Três,terceira linha\n';
    expect(() => parseCsv(csv(text), DEFAULTS, { idColumn: 'id' })).toThrow(/id column "id" repeats "1" \(rows 1 and 2\) in planilha\.csv/);
    const docs = parseCsv(csv(text), DEFAULTS);
    expect(docs.map((d) => d.sourceSuffix)).toEqual(['#row-1', '#row-2', '#row-3']);
    expect(docs.map((d) => d.title)).toEqual(['Um', 'Dois', 'Três']);
    // a row without an id keeps its row number, as before
    expect(parseCsv(csv('id,title\n1,Um\n,Dois\n'), DEFAULTS, { textColumns: ['title'] }).map((d) => d.sourceSuffix)).toEqual(['#1', '#2']);
  });

  it('names a missing column and refuses a broken file', () => {
    expect(() => parseCsv(csv('a,b\n1,2\n'), DEFAULTS, { listColumns: ['c'] })).toThrow(/column "c" is not in planilha\.csv \(columns: a, b\)/);
    expect(() => parseCsv(csv('a,b\n"1,2\n'), DEFAULTS)).toThrow(/invalid CSV/);
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
