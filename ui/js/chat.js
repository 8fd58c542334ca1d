// Conversas: POST /v1/chat with memory (streamed or plain), GET/DELETE /v1/conversations.
import { api, settings, streamEvents } from './api.js';
import { abstentionView, announce, answerText, citationItem, citationsView, fill, formatDate, h, problemView, setAnswerText } from './dom.js';
import { submitOnEnter } from './ask.js';

const $ = (id) => document.getElementById(id);
let current = null; // {id, collection}
let sending = false;
let counter = 0;
let refreshModelInfo = async () => null;

export function initChat(deps) {
  refreshModelInfo = deps.refreshModelInfo;
  const form = $('form-chat');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    send();
  });
  submitOnEnter($('chat-mensagem'), form);
  $('chat-nova').addEventListener('click', () => {
    openNew();
    $('chat-mensagem').focus();
  });
}

function userQuery() {
  const user = settings.chatUser;
  return user ? { user_id: user } : {};
}

function openNew() {
  current = null;
  $('chat-titulo').textContent = 'Nova conversa';
  $('chat-mensagens').replaceChildren();
  $('chat-colecao').disabled = false;
  markCurrent();
}

function markCurrent() {
  for (const b of document.querySelectorAll('#chat-lista [data-id]')) {
    if (b.dataset.id === current?.id) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
}

export async function reloadConversations() {
  const user = settings.chatUser;
  $('chat-usuario').textContent = user ? `Usuário: ${user}` : 'Usuário: o da chave';
  const list = $('chat-lista');
  const errorBox = $('chat-lista-erro');
  try {
    const { body } = await api('GET', '/v1/conversations', { query: { ...userQuery(), limit: 50 } });
    errorBox.replaceChildren();
    const items = body.items ?? [];
    fill(list, items.length ? items.map(conversationItem) : h('li', { class: 'meta' }, 'Nenhuma conversa ainda.'));
    markCurrent();
  } catch (err) {
    list.replaceChildren();
    fill(errorBox, problemView(err));
  }
}

function conversationItem(c) {
  const open = h(
    'button',
    { type: 'button', class: 'conversation', 'data-id': String(c.id) },
    h('span', { class: 'conversation-title' }, String(c.title || 'Sem título')),
    h('span', { class: 'meta' }, `${c.collection ?? ''} · ${c.message_count ?? 0} mensagem(ns) · ${formatDate(c.updated_at)}`),
  );
  open.addEventListener('click', () => openConversation(c.id));
  const del = h('button', { type: 'button', class: 'danger small', 'aria-label': `Apagar a conversa ${String(c.title || '')}` }, 'Apagar');
  del.addEventListener('click', async () => {
    if (!window.confirm(`Apagar a conversa "${String(c.title || '')}"?`)) return;
    try {
      await api('DELETE', `/v1/conversations/${encodeURIComponent(c.id)}`, { query: userQuery() });
      if (current?.id === c.id) openNew();
      announce('Conversa apagada.');
      await reloadConversations();
    } catch (err) {
      fill($('chat-lista-erro'), problemView(err));
    }
  });
  return h('li', {}, open, del);
}

async function openConversation(id) {
  const box = $('chat-mensagens');
  try {
    const { body } = await api('GET', `/v1/conversations/${encodeURIComponent(id)}`, { query: userQuery() });
    current = { id: body.id, collection: body.collection };
    $('chat-titulo').textContent = String(body.title || 'Conversa');
    const sel = $('chat-colecao');
    if (![...sel.options].some((o) => o.value === body.collection)) sel.append(h('option', { value: body.collection }, String(body.collection)));
    sel.value = body.collection;
    // a conversation stays in the collection it started in (409 CONVERSATION.COLLECTION_MISMATCH otherwise)
    sel.disabled = true;
    fill(
      box,
      (body.messages ?? []).map((m) => messageItem(m.role, m.content, m.citations)),
    );
    markCurrent();
    box.lastElementChild?.scrollIntoView({ block: 'nearest' });
  } catch (err) {
    fill(box, h('li', {}, problemView(err)));
  }
}

function messageItem(role, content, citations, abstained) {
  const prefix = `chat${++counter}-cit`;
  const mine = role === 'user';
  return h(
    'li',
    { class: `msg ${mine ? 'user' : 'assistant'}` },
    h('p', { class: 'who' }, mine ? 'Você' : 'acervo'),
    mine ? h('p', { class: 'answer-text' }, String(content ?? '')) : abstained ? abstentionView(content) : answerText(content, prefix),
    mine ? null : citationsView(citations, prefix),
  );
}

async function send() {
  const textarea = $('chat-mensagem');
  const message = textarea.value.trim();
  if (!message || sending) return;
  sending = true;
  $('chat-botao').disabled = true;
  const box = $('chat-mensagens');
  box.append(messageItem('user', message));
  const body = { message, ...userQuery(), ...(current ? { conversation_id: current.id } : { collection: $('chat-colecao').value || 'default' }) };
  const prefix = `chat${++counter}-cit`;
  const text = answerText('', prefix);
  const tools = h('p', { class: 'meta' });
  const list = h('ol', {});
  const cited = h('section', { class: 'citations', hidden: true }, h('h3', {}, 'Fontes citadas'), list);
  const reply = h('li', { class: 'msg assistant' }, h('p', { class: 'who' }, 'acervo'), tools, text, cited);
  box.append(reply);
  box.setAttribute('aria-busy', 'true');
  textarea.value = '';
  try {
    let result;
    if ($('chat-stream').checked) {
      for await (const { event, data } of streamEvents('/v1/chat', body)) {
        if (event === 'tool_call') tools.textContent = `Consultou: ${String(data?.name ?? '')}`;
        else if (event === 'token') setAnswerText(text, (text.textContent ?? '') + String(data?.text ?? ''), prefix);
        else if (event === 'citation') {
          list.append(citationItem(data, prefix));
          cited.hidden = false;
        } else if (event === 'done') result = data;
        else if (event === 'error') throw Object.assign(new Error(String(data?.detail ?? 'falha')), data, { status: data?.status });
      }
      if (!result) throw new Error('A transmissão terminou sem resposta final.');
    } else {
      result = (await api('POST', '/v1/chat', { json: body })).body;
    }
    reply.replaceWith(messageItem('assistant', result.response, result.citations, !!result.abstained));
    const isNew = !current;
    current = { id: result.conversation_id, collection: body.collection ?? current?.collection };
    $('chat-colecao').disabled = true;
    if (isNew) $('chat-titulo').textContent = message.length > 60 ? `${message.slice(0, 60)}…` : message;
    announce(result.abstained ? 'Não encontrei isso nos documentos.' : 'Resposta recebida.');
    await reloadConversations();
  } catch (err) {
    reply.append(problemView(err));
    textarea.value = message;
    if (err?.status === 401 || err?.status === 403) await refreshModelInfo();
  } finally {
    box.setAttribute('aria-busy', 'false');
    box.lastElementChild?.scrollIntoView({ block: 'nearest' });
    $('chat-botao').disabled = false;
    sending = false;
  }
}
