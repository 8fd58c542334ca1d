import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { mulberry32 } from '../../src/shared/random';

/**
 * A tiny but real BERT-like feature-extraction model, laid out like a Hugging Face repository
 * (config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx), so transformers.js can download,
 * cache and run it without the real hub. The ONNX graph is serialized here with a minimal protobuf encoder
 * (the handful of onnx.proto messages it needs), so no onnx/protobuf package is required.
 *
 * Graph: last_hidden_state = (word_embeddings[input_ids] + token_type_embeddings[token_type_ids])
 *                            * attention_mask[..., None]
 * Mean pooling of that is a bag-of-words average: same text -> same vector, different words -> different vectors.
 */

export const TINY_HIDDEN_SIZE = 8;

export const TINY_SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/** Lower-case Portuguese words plus a few WordPiece continuations. */
// prettier-ignore
export const TINY_WORDS = [
  'o', 'a', 'os', 'as', 'de', 'do', 'da', 'em', 'no', 'na', 'e', 'que', 'um', 'uma', 'para', 'com', 'por',
  'contrato', 'prazo', 'pagamento', 'férias', 'política', 'reembolso', 'viagem', 'segurança', 'senha',
  'equipe', 'cliente', 'relatório', 'ação', 'dias', 'úteis', 'como', 'qual', 'quando', 'solicitar',
  'passage', 'query', 'ok', ':', '.', ',', '?', '##s', '##mente', '##ção',
] as const;

export const TINY_VOCAB: readonly string[] = [...TINY_SPECIAL_TOKENS, ...TINY_WORDS];

/** Relative path (hub layout) -> bytes. */
export type ModelFiles = Map<string, Buffer>;

export interface TinyModelOptions {
  hiddenSize?: number;
  /** Seed of the embedding table; different seeds give different (but deterministic) models. */
  seed?: number;
  /** Also emit the q8 file name (onnx/model_quantized.onnx) with the same graph. */
  withQuantizedAlias?: boolean;
}

export function buildTinyModelFiles(opts: TinyModelOptions = {}): ModelFiles {
  const hidden = opts.hiddenSize ?? TINY_HIDDEN_SIZE;
  const vocab = TINY_VOCAB;
  const id = (t: string): number => vocab.indexOf(t);
  const config = {
    architectures: ['BertModel'],
    model_type: 'bert',
    hidden_size: hidden,
    intermediate_size: hidden * 2,
    num_attention_heads: 1,
    num_hidden_layers: 1,
    max_position_embeddings: 64,
    type_vocab_size: 2,
    vocab_size: vocab.length,
    pad_token_id: id('[PAD]'),
    hidden_act: 'gelu',
    layer_norm_eps: 1e-12,
  };
  const special = TINY_SPECIAL_TOKENS.map((content) => ({
    id: id(content),
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const cls = id('[CLS]');
  const sep = id('[SEP]');
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: special,
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: false,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [cls], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [sep], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
    },
  };
  const tokenizerConfig = {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    strip_accents: false,
    model_max_length: 64,
    clean_up_tokenization_spaces: true,
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    mask_token: '[MASK]',
  };
  const onnx = buildTinyOnnx(vocab.length, hidden, opts.seed ?? 20240611);
  const files: ModelFiles = new Map([
    ['config.json', json(config)],
    ['tokenizer.json', json(tokenizer)],
    ['tokenizer_config.json', json(tokenizerConfig)],
    ['onnx/model.onnx', onnx],
  ]);
  if (opts.withQuantizedAlias) files.set('onnx/model_quantized.onnx', onnx);
  return files;
}

/** Writes the files into `dir` (created) and returns it. */
export function writeModelFiles(dir: string, files: ModelFiles): string {
  for (const [rel, bytes] of files) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  }
  return dir;
}

/** A fresh temp directory holding the tiny model under `<tmp>/<name>/`. */
export function writeTinyModel(name = 'tiny-bert-pt', opts: TinyModelOptions = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'acervo-tiny-model-'));
  return writeModelFiles(join(root, name), buildTinyModelFiles(opts));
}

function json(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(v, null, 2));
}

// ---------------------------------------------------------------- ONNX graph

const FLOAT = 1;
const INT64 = 7;
const ATTR_INT = 2;

function buildTinyOnnx(vocabSize: number, hidden: number, seed: number): Buffer {
  const rand = mulberry32(seed);
  const words = new Float32Array(vocabSize * hidden).map(() => rand() * 2 - 1);
  const types = new Float32Array(2 * hidden).map(() => (rand() * 2 - 1) * 0.1);
  const dynamic: Dim[] = ['batch_size', 'sequence_length'];

  const graph = msg(
    ...field(1, node('Gather', ['word_embeddings', 'input_ids'], ['words'], { axis: 0 })),
    ...field(1, node('Gather', ['token_type_embeddings', 'token_type_ids'], ['types'], { axis: 0 })),
    ...field(1, node('Add', ['words', 'types'], ['summed'])),
    ...field(1, node('Cast', ['attention_mask'], ['mask_f'], { to: FLOAT })),
    ...field(1, node('Unsqueeze', ['mask_f', 'unsqueeze_axes'], ['mask3'])),
    ...field(1, node('Mul', ['summed', 'mask3'], ['last_hidden_state'])),
    str(2, 'tiny_bert_pt'),
    bytes(5, floatTensor('word_embeddings', [vocabSize, hidden], words)),
    bytes(5, floatTensor('token_type_embeddings', [2, hidden], types)),
    bytes(5, int64Tensor('unsqueeze_axes', [1], [-1])),
    bytes(11, valueInfo('input_ids', INT64, dynamic)),
    bytes(11, valueInfo('attention_mask', INT64, dynamic)),
    bytes(11, valueInfo('token_type_ids', INT64, dynamic)),
    bytes(12, valueInfo('last_hidden_state', FLOAT, [...dynamic, hidden])),
  );
  const model = msg(
    varint(1, 8), // ir_version 8 (ONNX 1.10+)
    str(2, 'acervo-test'),
    str(3, '1'),
    bytes(7, graph),
    bytes(8, msg(str(1, ''), varint(2, 13))), // opset_import: default domain, opset 13
  );
  return Buffer.from(model);
}

type Dim = number | string;

function node(
  op: string,
  inputs: string[],
  outputs: string[],
  attrs: Record<string, number> = {},
): Uint8Array[] {
  const parts = [
    ...inputs.map((i) => str(1, i)),
    ...outputs.map((o) => str(2, o)),
    str(3, `${op}_${outputs[0]}`),
    str(4, op),
    ...Object.entries(attrs).map(([name, i]) =>
      bytes(5, msg(str(1, name), varint(20, ATTR_INT), varint(3, i))),
    ),
  ];
  return [msg(...parts)];
}

function field(no: number, payloads: Uint8Array[]): Uint8Array[] {
  return payloads.map((p) => bytes(no, p));
}

function valueInfo(name: string, elemType: number, dims: Dim[]): Uint8Array {
  const shape = msg(...dims.map((d) => bytes(1, typeof d === 'number' ? msg(varint(1, d)) : msg(str(2, d)))));
  const tensorType = msg(varint(1, elemType), bytes(2, shape));
  return msg(str(1, name), bytes(2, msg(bytes(1, tensorType))));
}

function floatTensor(name: string, dims: number[], data: Float32Array): Uint8Array {
  const raw = new Uint8Array(data.length * 4);
  const view = new DataView(raw.buffer);
  data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return msg(...dims.map((d) => varint(1, d)), varint(2, FLOAT), str(8, name), bytes(9, raw));
}

function int64Tensor(name: string, dims: number[], data: number[]): Uint8Array {
  const raw = new Uint8Array(data.length * 8);
  const view = new DataView(raw.buffer);
  data.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return msg(...dims.map((d) => varint(1, d)), varint(2, INT64), str(8, name), bytes(9, raw));
}

// ---------------------------------------------------------------- protobuf wire format (subset)

function encodeVarint(value: number | bigint): Uint8Array {
  // int64 fields: negatives are encoded as 10-byte two's complement
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Uint8Array.from(out);
}

function tag(fieldNo: number, wireType: number): Uint8Array {
  return encodeVarint((fieldNo << 3) | wireType);
}

function varint(fieldNo: number, value: number | bigint): Uint8Array {
  return concat([tag(fieldNo, 0), encodeVarint(value)]);
}

function bytes(fieldNo: number, payload: Uint8Array): Uint8Array {
  return concat([tag(fieldNo, 2), encodeVarint(payload.length), payload]);
}

function str(fieldNo: number, s: string): Uint8Array {
  return bytes(fieldNo, new TextEncoder().encode(s));
}

function msg(...parts: Uint8Array[]): Uint8Array {
  return concat(parts);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
