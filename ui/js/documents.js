// Documentos: upload (POST /v1/documents, one multipart request per file), list (GET /v1/documents), delete.
import { api } from './api.js';
import { announce, fill, formatBytes, formatDate, h, problemView, sourceLabel } from './dom.js';

const $ = (id) => document.getElementById(id);
const PAGE = 50;
let offset = 0;
let refreshModelInfo = async () => null;

export function initDocuments(deps) {
  refreshModelInfo = deps.refreshModelInfo;
  $('form-envio').addEventListener('submit', onUpload);
  $('docs-colecao').addEventListener('change', () => reloadDocuments());
  $('docs-atualizar').addEventListener('click', () => reloadDocuments());
  $('docs-mais').addEventListener('click', () => loadPage(false));
}

async function onUpload(e) {
  e.preventDefault();
  const input = $('envio-arquivos');
  const collection = $('envio-colecao').value.trim() || 'default';
  const files = [...input.files];
  const results = $('envio-resultados');
  if (!files.length) {
    fill(results, h('li', { class: 'problem', role: 'alert' }, 'Escolha pelo menos um arquivo.'));
    input.focus();
    return;
  }
  const button = $('envio-botao');
  button.disabled = true;
  results.replaceChildren();
  let stored = 0;
  for (const file of files) {
    const item = h('li', { class: 'result pending' }, h('strong', {}, file.name), ` (${formatBytes(file.size)}): enviando…`);
    results.append(item);
    const form = new FormData();
    form.append('collection', collection);
    form.append('files', file, file.name);
    try {
      const { status, body } = await api('POST', '/v1/documents', { form });
      if (status === 202) {
        fill(item, h('strong', {}, file.name), ': em processamento em segundo plano (tarefa ', h('code', {}, String(body.job_id)), ')…');
        await followJob(body.job_id, item, file.name);
      } else {
        showStored(item, file.name, body);
      }
      stored += 1;
    } catch (err) {
      item.className = 'result failed';
      fill(item, h('strong', {}, file.name), ': não enviado', problemView(err));
    }
  }
  button.disabled = false;
  announce(`${stored} de ${files.length} arquivo(s) enviado(s) para ${collection}.`);
  input.value = '';
  await refreshModelInfo();
  $('docs-colecao').value = collection;
  await reloadDocuments();
}

function showStored(item, name, body) {
  const docs = body?.documents ?? [];
  item.className = 'result ok';
  const what = (d) => (d.deduplicated ? 'já existia' : d.replaced ? 'atualizado' : 'novo');
  fill(
    item,
    h('strong', {}, name),
    `: ${docs.length} documento(s)`,
    h(
      'ul',
      {},
      docs.map((d) => h('li', {}, String(d.title ?? ''), ` (${what(d)}, ${d.chunks ?? 0} trecho(s))`)),
      (body?.removed ?? []).map((d) => h('li', {}, String(d.title ?? ''), ' (removido: não está mais no arquivo)')),
    ),
  );
}

async function followJob(id, item, name) {
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const { body } = await api('GET', `/v1/jobs/${encodeURIComponent(id)}`);
    if (body.state === 'completed') return showStored(item, name, body.result);
    if (body.state === 'failed') {
      item.className = 'result failed';
      const err = body.error ?? {};
      return fill(item, h('strong', {}, name), ': falhou', problemView({ status: err.status, code: err.code, detail: err.detail }));
    }
    const p = body.progress ?? {};
    fill(item, h('strong', {}, name), `: ${body.state === 'active' ? 'processando' : 'na fila'}${p.total ? ` (${p.done ?? 0} de ${p.total})` : ''}…`);
  }
}

export function reloadDocuments() {
  return loadPage(true);
}

async function loadPage(reset) {
  const collection = $('docs-colecao').value || 'default';
  const list = $('docs-lista');
  const errorBox = $('docs-erro');
  if (reset) offset = 0;
  try {
    const { body } = await api('GET', '/v1/documents', { query: { collection, limit: PAGE, offset } });
    errorBox.replaceChildren();
    if (reset) list.replaceChildren();
    for (const doc of body.items ?? []) list.append(documentItem(doc));
    offset += (body.items ?? []).length;
    $('docs-total').textContent = body.total ? `${body.total} documento(s) em ${collection}.` : `Nenhum documento em ${collection}.`;
    $('docs-mais').hidden = offset >= (body.total ?? 0);
  } catch (err) {
    if (reset) list.replaceChildren();
    $('docs-total').textContent = '';
    $('docs-mais').hidden = true;
    fill(errorBox, problemView(err));
  }
}

function documentItem(doc) {
  const li = h(
    'li',
    { class: 'doc' },
    h(
      'div',
      { class: 'doc-main' },
      h('strong', { class: 'doc-title' }, String(doc.title ?? '')),
      h(
        'p',
        { class: 'meta' },
        'fonte ',
        // decoded for reading; the raw id (what the API takes) in the tooltip when it differs
        h('code', { class: 'source-id', title: sourceLabel(doc.source_id) !== String(doc.source_id ?? '') ? String(doc.source_id) : undefined }, sourceLabel(doc.source_id)),
        ` · ${doc.chunk_count ?? 0} trecho(s) · ${formatBytes(doc.size_bytes)} · ${formatDate(doc.updated_at ?? doc.created_at)}`,
      ),
    ),
  );
  const del = h('button', { type: 'button', class: 'danger', 'aria-label': `Apagar ${String(doc.title ?? 'documento')}` }, 'Apagar');
  del.addEventListener('click', async () => {
    if (!window.confirm(`Apagar o documento "${String(doc.title ?? '')}" e seus trechos?`)) return;
    del.disabled = true;
    try {
      await api('DELETE', `/v1/documents/${encodeURIComponent(doc.id)}`);
      announce(`Documento "${String(doc.title ?? '')}" apagado.`);
      li.remove();
      await reloadDocuments();
    } catch (err) {
      del.disabled = false;
      li.append(problemView(err));
    }
  });
  li.append(del);
  return li;
}
