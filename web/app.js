// Entry point of the page: wires the composer, the panels and the health badge. No framework, no build step.

import { getJSON } from './api.js';
import { ask, initChat, isBusy, newChat, summarize } from './chat.js';
import { initDocuments, loadDocuments, setDrawer } from './documents.js';
import { $ } from './dom.js';
import { initKeyPrompt } from './key-prompt.js';
import { initLibrary } from './library.js';
import { initSourcePanel, setPanel } from './source-panel.js';
import { read, write } from './storage.js';

const NOTICE_DISMISSED = 'degradedNoticeDismissed';
const DEGRADED_NOTICE = '内置检索模型（降级模式）：未加载预训练向量模型，语义匹配能力有限';
const PLACEHOLDER = { long: '输入问题（Enter 发送，Shift+Enter 换行）', short: '输入问题' };

async function loadHealth() {
  const badge = $('#embedder');
  try {
    const h = await getJSON('/api/health');
    const e = h.embedder || {};
    badge.title =
      `模型：${e.model || '-'}，维度：${e.dims || '-'}；来源：${e.source || '-'}；` +
      `文件 ${h.documents} 篇，段落 ${h.passages} 个`;
    const builtin = e.kind !== 'transformer';
    badge.textContent = builtin ? '内置检索模型' : `向量模型：${(e.model || 'transformer').split('/').pop()}`;
    badge.className = `badge ${builtin ? 'degraded' : 'ok'}`;
    $('#notice-text').textContent = DEGRADED_NOTICE;
    $('#notice').hidden = !builtin || read(NOTICE_DISMISSED) === '1';
  } catch (err) {
    badge.textContent = '服务不可用';
    badge.className = 'badge down';
    badge.title = err.message;
  }
}

function initComposer() {
  const q = $('#question');
  const autosize = () => {
    q.style.height = 'auto';
    q.style.height = `${Math.min(q.scrollHeight, 180)}px`;
  };
  const submit = () => {
    if (isBusy() || !q.value.trim()) return;
    const text = q.value;
    q.value = '';
    autosize();
    ask(text);
  };
  // Phones get a placeholder that fits on one line.
  const narrow = matchMedia('(max-width: 480px)');
  const placeholder = () => {
    q.placeholder = narrow.matches ? PLACEHOLDER.short : PLACEHOLDER.long;
  };
  narrow.addEventListener('change', placeholder);
  placeholder();
  q.addEventListener('input', autosize);
  q.addEventListener('keydown', (e) => {
    // Enter sends, Shift+Enter inserts a newline; ignore Enter while an IME is composing.
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      submit();
    }
  });
  $('#composer').addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
  });
  for (const b of document.querySelectorAll('.example')) b.addEventListener('click', () => ask(b.textContent));
}

function init() {
  initKeyPrompt();
  initComposer();
  initChat();
  initDocuments(summarize);
  initSourcePanel();
  initLibrary();
  $('#backdrop').addEventListener('click', () => {
    setDrawer(false);
    setPanel(false);
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      setPanel(false);
      setDrawer(false);
    }
  });
  $('#new-chat').addEventListener('click', newChat);
  $('#notice-close').addEventListener('click', () => {
    $('#notice').hidden = true;
    write(NOTICE_DISMISSED, '1');
  });
  loadHealth();
  loadDocuments().catch(() => {}); // the sidebar shows the error
}

init();
