// DOM helpers. Server text only ever reaches the page as text nodes (append of a string, textContent): never
// innerHTML, never an attribute that could run it (no href or src built from server text).

/** `h('p', {class: 'x', onclick: fn}, 'text', child)`: an element; strings become text nodes. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A message for screen readers and everyone (the header's status line, aria-live). */
export function announce(text) {
  const status = document.getElementById('status');
  if (status) status.textContent = text;
}

const HINTS = {
  0: 'Verifique se o servidor do acervo está no ar.',
  401: 'O servidor exige uma chave de API ou um token válido: informe-o em Configurações.',
  403: 'A credencial atual não tem permissão para esta operação.',
  413: 'O envio é maior do que o servidor aceita.',
  415: 'Tipo de arquivo não suportado.',
  429: 'Muitas requisições: espere um pouco e tente de novo.',
  503: 'O servidor está ocupado ou indisponível: tente de novo em instantes.',
};

/**
 * What a problem means, in Portuguese, by its stable `code` (the problem+json member; its `type` URI is the same code):
 * the server's detail is in English and stays below as secondary text (probe D7: a 422 showed only the English).
 */
export const CODE_MESSAGES = {
  'INGESTION.EMPTY_DOCUMENT': 'O arquivo não tem texto que possa ser extraído: está vazio, ou é uma imagem ou um PDF escaneado sem camada de texto.',
  'INGESTION.UNREADABLE_DOCUMENT': 'Não foi possível ler o arquivo: ele pode estar corrompido, protegido por senha ou não ser do tipo que o nome indica.',
  'INGESTION.UNSUPPORTED_TYPE': 'Tipo de arquivo não suportado: envie texto, Markdown, HTML, PDF, DOCX, JSON ou CSV.',
  'INGESTION.TOO_LARGE': 'O arquivo é maior do que o servidor aceita.',
  'INGESTION.PARSE_TIMEOUT': 'A leitura do arquivo demorou demais e foi interrompida: tente um arquivo menor ou dividido em partes.',
  'INGESTION.PARSE_OUT_OF_MEMORY': 'O arquivo precisou de mais memória do que o servidor permite para ser lido: tente dividi-lo em partes.',
};

/** An ApiError (or any error) shown plainly: status, code, what it means (Portuguese), the server's detail, the fields in error and a hint. */
export function problemView(err) {
  const status = typeof err?.status === 'number' ? err.status : null;
  const heading = status === 0 ? 'Sem conexão' : status ? `Erro ${status}${err.title ? ` (${err.title})` : ''}` : 'Erro';
  const userField = err?.errors?.some?.((e) => e?.field === 'user_id');
  const message = typeof err?.code === 'string' && Object.hasOwn(CODE_MESSAGES, err.code) ? CODE_MESSAGES[err.code] : null;
  const hint = userField ? 'Informe o usuário das conversas (user_id) em Configurações.' : status !== null && !message ? HINTS[status] : null;
  const detail = err?.detail || err?.message || '';
  return h(
    'div',
    { class: 'problem', role: 'alert' },
    h('p', { class: 'problem-title' }, h('strong', {}, heading), err?.code ? h('code', {}, err.code) : null),
    message ? h('p', { class: 'problem-message' }, message) : null,
    message ? (detail ? h('p', { class: 'meta problem-detail' }, 'Detalhe do servidor: ', detail) : null) : h('p', {}, detail || 'Falha inesperada.'),
    err?.errors?.length
      ? h(
          'ul',
          {},
          err.errors.map((e) => h('li', {}, h('code', {}, String(e?.field ?? '')), ': ', String(e?.message ?? ''))),
        )
      : null,
    hint ? h('p', { class: 'hint' }, hint, err?.retryAfter ? ` (aguarde ${err.retryAfter} s)` : '') : null,
  );
}

/** Answer text with each `[n]` marker a link to its citation (`#<prefix>-<n>`), the rest as text. */
export function answerText(text, prefix) {
  const p = h('p', { class: 'answer-text' });
  setAnswerText(p, text, prefix);
  return p;
}

export function setAnswerText(p, text, prefix) {
  p.replaceChildren();
  const source = String(text ?? '');
  let last = 0;
  for (const m of source.matchAll(/\[(\d{1,3})\]/g)) {
    if (m.index > last) p.append(source.slice(last, m.index));
    const n = Number(m[1]);
    p.append(h('a', { class: 'marker', href: `#${prefix}-${n}`, 'aria-label': `citação ${n}` }, `[${n}]`));
    last = m.index + m[0].length;
  }
  if (last < source.length) p.append(source.slice(last));
}

/** The cited passages: `[n]` source (document title), excerpt (quote), scores. */
export function citationsView(citations, prefix) {
  if (!citations?.length) return null;
  return h(
    'section',
    { class: 'citations', 'aria-label': 'Trechos citados' },
    h('h3', {}, 'Fontes citadas'),
    h(
      'ol',
      {},
      citations.map((c) => citationItem(c, prefix)),
    ),
  );
}

export function citationItem(c, prefix) {
  const n = Number(c?.n);
  const meta = [];
  if (typeof c?.score === 'number') meta.push(`relevância ${c.score.toFixed(2)}`);
  if (typeof c?.support === 'number') meta.push(`apoio ${Math.round(c.support * 100)}%`);
  return h(
    'li',
    { id: `${prefix}-${n}`, class: 'citation', tabindex: '-1' },
    h('p', { class: 'citation-source' }, h('span', { class: 'marker' }, `[${n}]`), ' ', h('strong', {}, String(c?.title ?? 'sem título'))),
    c?.quote ? h('blockquote', {}, String(c.quote)) : null,
    h('p', { class: 'meta' }, meta.join(' · '), meta.length ? ' · ' : '', 'documento ', h('code', {}, String(c?.document_id ?? ''))),
  );
}

/** The refusal, shown as such. */
export function abstentionView(answer) {
  return h(
    'div',
    { class: 'abstention' },
    h('p', { class: 'abstention-title' }, h('strong', {}, 'Não encontrei isso nos documentos.')),
    answer ? h('p', { class: 'meta' }, 'Resposta do servidor: ', String(answer)) : null,
  );
}

/**
 * A source id as people read it: CSV rows' ids are percent-encoded ("beneficios.csv#Vale-refei%C3%A7%C3%A3o", probe
 * D6) and shown decoded ("beneficios.csv#Vale-refeição"); a malformed sequence ("100%") leaves the id as it is. Only
 * for showing: API calls keep the id they were given.
 */
export function sourceLabel(id) {
  const s = String(id ?? '');
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function formatDate(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso ?? '') : d.toLocaleString('pt-BR', { dateStyle: 'short', timeStyle: 'short' });
}

export function formatBytes(n) {
  if (typeof n !== 'number') return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1).replace('.', ',')} KB`;
  return `${(n / 1024 / 1024).toFixed(1).replace('.', ',')} MB`;
}
