// Entry point: tabs, the collections every panel offers, Configurações (credential, model info).
import { api, settings } from './api.js';
import { fill, h, problemView, announce, formatDate } from './dom.js';
import { initDocuments, reloadDocuments } from './documents.js';
import { initAsk } from './ask.js';
import { initChat, reloadConversations } from './chat.js';

const $ = (id) => document.getElementById(id);

// ---- tabs (WAI-ARIA tabs: arrows, Home and End move between them) ----
const tabs = [...document.querySelectorAll('[role="tab"]')];

function select(tab, focus = true) {
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute('aria-selected', String(on));
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute('aria-controls')).hidden = !on;
  }
  if (focus) tab.focus();
  const name = tab.id.replace('tab-', '');
  if (window.location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`);
  if (name === 'conversas') reloadConversations();
}

for (const tab of tabs) {
  tab.addEventListener('click', () => select(tab));
  tab.addEventListener('keydown', (e) => {
    const i = tabs.indexOf(tab);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    select(tabs[(next + tabs.length) % tabs.length]);
  });
}

// ---- collections and model info (GET /v1/model-info names them) ----
let collections = ['default'];

function fillCollectionSelects() {
  for (const id of ['docs-colecao', 'pergunta-colecao', 'chat-colecao']) {
    const sel = $(id);
    const keep = sel.value;
    fill(
      sel,
      collections.map((name) => h('option', { value: name }, name)),
    );
    if (collections.includes(keep)) sel.value = keep;
  }
  fill(
    $('lista-colecoes'),
    collections.map((name) => h('option', { value: name })),
  );
}

const OFFLINE = { extractive: 'padrão offline: sem modelo de linguagem', hashing: 'padrão offline: lexical, sem download' };

function modelView(info) {
  const llm = info.llm ?? {};
  const emb = info.embedder ?? {};
  const badge = (provider) => (OFFLINE[provider] ? h('span', { class: 'badge' }, OFFLINE[provider]) : null);
  const row = (term, ...value) => [h('dt', {}, term), h('dd', {}, ...value)];
  return h(
    'div',
    {},
    h('h3', {}, 'Modelo de linguagem (respostas)'),
    h(
      'dl',
      { class: 'facts' },
      row('Provedor', String(llm.provider ?? ''), ' ', badge(llm.provider)),
      row('Modelo', h('code', {}, String(llm.model ?? ''))),
      row('Streaming', llm.streaming ? 'sim' : 'não'),
      row('Ferramentas', llm.tool_calling ? 'sim (o modelo escolhe)' : 'não (regras em português escolhem)'),
      llm.fallback?.length ? row('Alternativos', llm.fallback.map((f) => `${f.provider ?? ''}:${f.model ?? ''}`).join(', ')) : null,
      llm.description ? row('Descrição', String(llm.description)) : null,
    ),
    h('h3', {}, 'Embedder (busca)'),
    h(
      'dl',
      { class: 'facts' },
      row('Provedor', String(emb.provider ?? ''), ' ', badge(emb.provider)),
      row('Modelo', h('code', {}, String(emb.model ?? '')), emb.dimension ? ` (${emb.dimension} dimensões)` : ''),
      emb.description ? row('Descrição', String(emb.description)) : null,
    ),
    h('h3', {}, 'Coleções'),
    info.collections?.length
      ? h(
          'ul',
          { class: 'plain' },
          info.collections.map((c) => h('li', {}, h('strong', {}, String(c.name)), ` · ${c.embedder ?? ''} · criada em ${formatDate(c.created_at)}`)),
        )
      : h('p', { class: 'meta' }, 'Nenhuma coleção ainda: envie um arquivo em Documentos.'),
  );
}

function collectionsView(info) {
  const list = info?.collections ?? [];
  if (!list.length) return h('li', { class: 'meta' }, 'Nenhuma coleção ainda. O primeiro envio cria a coleção escolhida.');
  return list.map((c) =>
    h(
      'li',
      {},
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          onclick: () => {
            $('docs-colecao').value = c.name;
            reloadDocuments();
          },
        },
        String(c.name),
      ),
      h('span', { class: 'meta' }, ` ${c.embedder ?? ''} · desde ${formatDate(c.created_at)}`),
    ),
  );
}

/** Reads /v1/model-info: collections for every panel, the model facts; a 401/403 shows the access banner. */
export async function refreshModelInfo() {
  const banner = $('aviso-auth');
  try {
    const { body } = await api('GET', '/v1/model-info');
    banner.hidden = true;
    settings.authMode = typeof body.auth?.mode === 'string' ? body.auth.mode : '';
    const names = (body.collections ?? []).map((c) => String(c.name));
    collections = [...new Set(['default', ...names])];
    fillCollectionSelects();
    fill($('modelos'), modelView(body));
    fill($('colecoes'), collectionsView(body));
    return body;
  } catch (e) {
    fill($('modelos'), problemView(e));
    fill($('colecoes'), h('li', {}, problemView(e)));
    if (e.status === 401 || e.status === 403) {
      banner.hidden = false;
      fill(
        banner,
        h('strong', {}, e.status === 403 ? 'Credencial sem permissão. ' : e.code === 'AUTH.REQUIRED' ? 'O servidor exige uma credencial. ' : 'Credencial recusada. '),
        e.detail || '',
        ' ',
        h('button', { type: 'button', class: 'link', onclick: () => select($('tab-configuracoes')) }, 'Abrir Configurações'),
      );
    }
    return null;
  }
}

// ---- Configurações ----
/** What "Salvar e testar" learned: a server in open mode does not check a credential, so it cannot have accepted one. */
function savedMessage(info) {
  if (!settings.credential) return 'Salvo. O servidor respondeu sem credencial.';
  if (info.auth?.mode === 'open')
    return 'Salvo, mas não testada: o servidor está em modo aberto (AUTH_MODE=open), não exige credencial e não verifica a que é enviada.';
  return 'Salvo. O servidor aceitou a credencial.';
}

function initSettings() {
  const key = $('config-chave');
  const user = $('config-usuario');
  const remember = $('config-lembrar');
  key.value = settings.credential;
  remember.checked = settings.rememberCredential;
  user.value = settings.userId;
  $('config-mostrar').addEventListener('change', (e) => (key.type = e.target.checked ? 'text' : 'password'));
  $('form-config').addEventListener('submit', async (e) => {
    e.preventDefault();
    settings.saveCredential(key.value, remember.checked);
    settings.userId = user.value;
    const info = await refreshModelInfo();
    fill($('config-resultado'), info ? h('p', { class: 'ok' }, savedMessage(info)) : h('div', {}, problemViewFromModels()));
    announce(info ? 'Configurações salvas.' : 'Configurações salvas, mas o servidor recusou a requisição.');
    reloadDocuments();
    reloadConversations();
  });
  $('config-limpar').addEventListener('click', async () => {
    settings.saveCredential(''); // from this tab and from this browser
    key.value = '';
    remember.checked = false;
    fill($('config-resultado'), h('p', { class: 'ok' }, 'Chave apagada deste navegador.'));
    announce('Chave apagada.');
    await refreshModelInfo();
  });
  $('modelos-atualizar').addEventListener('click', () => refreshModelInfo());
}

function problemViewFromModels() {
  // the model panel holds the problem refreshModelInfo rendered; repeat its text here, beside the form
  const shown = $('modelos').querySelector('.problem');
  return shown ? shown.cloneNode(true) : h('p', {}, 'Falhou.');
}

initSettings();
initDocuments({ refreshModelInfo });
initAsk();
initChat({ refreshModelInfo });
fillCollectionSelects();
const start = tabs.find((t) => `#${t.id.replace('tab-', '')}` === window.location.hash) ?? tabs[0];
select(start, false);
refreshModelInfo().then(() => {
  reloadDocuments();
  // opened on Conversas: listed again now that the server's auth.mode says which user to ask for
  if (start.id === 'tab-conversas') reloadConversations();
});
