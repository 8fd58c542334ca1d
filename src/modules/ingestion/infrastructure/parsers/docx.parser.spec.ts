import JSZip from 'jszip';
import { ParseLimitExceededError } from '../../domain/ingestion.errors';
import { parseDocx } from './docx.parser';

const LIMITS = { maxDecompressedBytes: 4 * 2 ** 20, maxTextChars: 100_000 };
const PARAGRAPH = '<w:p><w:r><w:t>a</w:t></w:r></w:p>';

/** A .docx whose word/document.xml holds `paragraphs` paragraphs (or the given XML): tiny on disk, as large as asked inflated. */
async function docx(paragraphs: number, body = PARAGRAPH.repeat(paragraphs)): Promise<Buffer> {
  const zip = new JSZip();
  zip.file(
    '_rels/.rels',
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
  );
  zip.file(
    'word/document.xml',
    `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`,
  );
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
}

/** Rewrites the uncompressed size of word/document.xml (central directory and local header) to `size`: a size that lies. */
function lieAboutSize(zip: Buffer, size: number): Buffer {
  const out = Buffer.from(zip);
  const end = out.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let p = out.readUInt32LE(end + 16);
  for (let n = out.readUInt16LE(end + 10); n > 0; n--) {
    if (out.toString('utf8', p + 46, p + 46 + out.readUInt16LE(p + 28)) === 'word/document.xml') {
      out.writeUInt32LE(size, p + 24);
      out.writeUInt32LE(size, out.readUInt32LE(p + 42) + 22);
    }
    p += 46 + out.readUInt16LE(p + 28) + out.readUInt16LE(p + 30) + out.readUInt16LE(p + 32);
  }
  return out;
}

async function refusal(p: Promise<unknown>): Promise<ParseLimitExceededError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof ParseLimitExceededError)) throw e;
  return e as ParseLimitExceededError;
}

describe('parseDocx budgets', () => {
  it('reads a document within the budgets', async () => {
    const [doc] = await parseDocx({ buffer: await docx(0, '<w:p><w:r><w:t>Olá, mundo</w:t></w:r></w:p>'), filename: 'ok.docx' }, LIMITS);
    expect(doc.text).toBe('Olá, mundo\n\n');
  });

  it('refuses by the declared sizes, before inflating anything', async () => {
    const bomb = await docx(200_000); // ~7 MB of paragraphs
    expect(bomb.length).toBeLessThan(100_000);
    const e = await refusal(parseDocx({ buffer: bomb, filename: 'bomba.docx' }, LIMITS));
    expect(e.code).toBe('INGESTION.DECOMPRESSED_TOO_LARGE');
    expect(e.kind).toBe('too_large');
    expect(e.details).toMatchObject({ limit: 'ingestion.limits.maxDecompressedBytes', max: LIMITS.maxDecompressedBytes, found: expect.any(Number) });
    expect(e.message).toMatch(/more than the limit of 4194304 bytes once decompressed \(ingestion\.limits\.maxDecompressedBytes\)/);
  });

  it('refuses while inflating when the declared sizes lie', async () => {
    const bomb = lieAboutSize(await docx(200_000), 1000);
    const e = await refusal(parseDocx({ buffer: bomb, filename: 'mentirosa.docx' }, LIMITS));
    expect(e.code).toBe('INGESTION.DECOMPRESSED_TOO_LARGE');
    expect(e.details).not.toHaveProperty('found');
  });

  it('refuses extracted text past maxTextChars', async () => {
    const e = await refusal(parseDocx({ buffer: await docx(0, `<w:p><w:r><w:t>${'x'.repeat(100_001)}</w:t></w:r></w:p>`), filename: 'longo.docx' }, LIMITS));
    expect(e.code).toBe('INGESTION.TEXT_TOO_LARGE');
    expect(e.details).toMatchObject({ limit: 'ingestion.maxTextChars', max: 100_000, found: 100_003 });
  });
});
