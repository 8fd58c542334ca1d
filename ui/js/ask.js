// Perguntar: POST /v1/ask over a collection; streamed (SSE token/citation/done) or plain JSON.
import { api, streamEvents } from './api.js';
import { abstentionView, announce, answerText, citationItem, citationsView, fill, h, problemView, setAnswerText } from './dom.js';

const $ = (id) => document.getElementById(id);
let running = null;
let asked = 0;

export function initAsk() {
  const form = $('form-pergunta');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    ask();
  });
  submitOnEnter($('pergunta-texto'), form);
  $('pergunta-parar').addEventListener('click', () => running?.abort());
}

/** Enter submits the form, Shift+Enter adds a line (not while an IME composes). */
export function submitOnEnter(textarea, form) {
  textarea.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
}

async function ask() {
  const question = $('pergunta-texto').value.trim();
  if (!question || running) return;
  const collection = $('pergunta-colecao').value || 'default';
  const stream = $('pergunta-stream').checked;
  const out = $('resposta');
  const prefix = `resp${++asked}-cit`;
  running = new AbortController();
  $('pergunta-botao').disabled = true;
  $('pergunta-parar').hidden = !stream;
  out.setAttribute('aria-busy', 'true');
  fill(out, h('p', { class: 'question' }, h('span', { class: 'meta' }, 'Pergunta: '), question), h('p', { class: 'meta' }, 'Buscando nos documentos…'));
  try {
    const result = stream ? await askStreamed(out, { question, collection }, prefix, running.signal) : (await api('POST', '/v1/ask', { json: { question, collection } })).body;
    renderResult(out, question, result, prefix);
    announce(result.abstained ? 'Não encontrei isso nos documentos.' : `Resposta pronta, ${result.citations?.length ?? 0} fonte(s) citada(s).`);
  } catch (err) {
    if (err?.name === 'AbortError') {
      out.append(h('p', { class: 'meta' }, 'Interrompida.'));
    } else {
      out.append(problemView(err));
    }
  } finally {
    out.setAttribute('aria-busy', 'false');
    $('pergunta-botao').disabled = false;
    $('pergunta-parar').hidden = true;
    running = null;
  }
}

/** Shows the deltas as they come; returns the `done` result (whose answer is the verified text to keep). */
async function askStreamed(out, body, prefix, signal) {
  const text = answerText('', prefix);
  const list = h('ol', {});
  let started = false;
  for await (const { event, data } of streamEvents('/v1/ask', body, signal)) {
    if (!started) {
      started = true;
      fill(out, h('p', { class: 'question' }, h('span', { class: 'meta' }, 'Pergunta: '), body.question), text, h('section', { class: 'citations' }, h('h3', {}, 'Fontes citadas'), list));
    }
    if (event === 'token') setAnswerText(text, (text.textContent ?? '') + String(data?.text ?? ''), prefix);
    else if (event === 'citation') list.append(citationItem(data, prefix));
    else if (event === 'done') return data;
    else if (event === 'error') throw Object.assign(new Error(String(data?.detail ?? 'falha')), data, { status: data?.status });
  }
  throw new Error('A transmissão terminou sem resposta final.');
}

function renderResult(out, question, result, prefix) {
  const parts = [h('p', { class: 'question' }, h('span', { class: 'meta' }, 'Pergunta: '), question)];
  if (result.abstained) {
    parts.push(abstentionView(result.answer));
  } else {
    parts.push(answerText(result.answer, prefix));
    if (result.truncated) parts.push(h('p', { class: 'hint' }, 'A resposta foi cortada pelo modelo (', String(result.truncated), ').'));
    parts.push(citationsView(result.citations, prefix));
  }
  const meta = [`modelo ${result.model ?? ''}`];
  if (typeof result.timings?.total_ms === 'number') meta.push(`${Math.round(result.timings.total_ms)} ms`);
  if (result.cache === 'hit' || result.cache === 'semantic') meta.push('do cache');
  parts.push(h('p', { class: 'meta' }, meta.join(' · ')));
  fill(out, parts);
}
