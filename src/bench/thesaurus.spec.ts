import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeThesauri, readMythes, stemThesaurus, thesaurusWords } from './thesaurus';

// Written for this test in the two layouts of LibreOffice's Portuguese thesauri (pt_BR: "(Sinônimo)x|x|entry|...";
// pt_PT: "   (s.) |a|b"); not copied from them.
const BR = ['UTF-8', 'aba|2', '(Sinônimo)borda|borda|aba|beira|margem', '(Sinônimo)beira|beira|aba|borda', 'a cerca de|1', '(-)|sobre', ''].join('\n');
const PT = ['UTF-8', 'aba|1', '   (s.) |orla|beira|sem-fim|à toa', 'colégio|1', '   (s.) |escola|liceu', ''].join('\n');

describe('MyThes thesaurus (recall sweep)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'thesaurus-spec-'));
    writeFileSync(join(dir, 'br.dat'), BR);
    writeFileSync(join(dir, 'pt.dat'), PT);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads single-word entries, their senses, and ranks a synonym by how many senses list it', () => {
    const th = readMythes(join(dir, 'br.dat'));
    expect(th.get('aba')).toEqual({ senses: 2, synonyms: ['borda', 'beira', 'margem'] });
    expect(th.has('a cerca de')).toBe(false); // multi-word entry
  });

  it('drops multi-word synonyms and merges thesauri, the first one first', () => {
    const pt = readMythes(join(dir, 'pt.dat'));
    expect(pt.get('aba')!.synonyms).toEqual(['orla', 'beira', 'sem-fim']);
    const both = mergeThesauri([readMythes(join(dir, 'br.dat')), pt]);
    expect(both.get('aba')).toEqual({ senses: 2, synonyms: ['borda', 'beira', 'margem', 'orla', 'sem-fim'] });
    expect(thesaurusWords(both)).toEqual(expect.arrayContaining(['aba', 'colégio', 'escola', 'liceu']));
  });

  it('maps stems to synonym stems, without the stem itself and without words that give no single lexeme', () => {
    const stem = (w: string) => (w === 'sem-fim' ? undefined : w.replace(/(a|o|e)$/, ''));
    const th = stemThesaurus(readMythes(join(dir, 'pt.dat')), stem);
    expect(th.get('ab')).toEqual({ senses: 1, synonyms: ['orl', 'beir'] });
    expect(th.get('colégi')!.synonyms).toEqual(['escol', 'liceu']);
  });
});
