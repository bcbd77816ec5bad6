// The library panel: every document with its status, upload by drag and drop or a file picker
// (one request per file, with progress), and delete after a confirmation. Upload and delete are
// hidden when the server does not offer them (404/405).

import { request, uploadFile } from './api.js';
import { loadDocuments, onDocuments } from './documents.js';
import { $, button, el } from './dom.js';

const POLL_MS = 1500;
const STATUS_TEXT = { indexing: '索引中', ready: '可用', failed: '失败' };
// Until the server was asked, no controls; null after asking: not known (shown; hidden after a 404/405).
const can = { asked: false, upload: null, delete: null };
let docs = [];
let pollTimer = null;
let confirming = null; // id of the document whose delete waits for confirmation
let uploads = Promise.resolve(); // files upload one after another

/**
 * Whether the server accepts `method` at `path`, from the Allow header of an OPTIONS request;
 * a 404 means nothing is there. null when the answer says neither.
 */
async function offers(path, method) {
  const has = (allow) => (allow ? allow.split(',').some((m) => m.trim().toUpperCase() === method) : null);
  try {
    return has((await request(path, { method: 'OPTIONS' })).headers.get('Allow'));
  } catch (err) {
    return err.status === 404 ? false : has(err.allow);
  }
}

function applyCapabilities() {
  $('#dropzone').hidden = can.upload === false;
  $('#uploads').hidden = can.upload === false;
  const note = $('#library-note');
  const missing = [can.upload === false && '上传', can.delete === false && '删除'].filter(Boolean);
  note.hidden = !missing.length;
  note.textContent = missing.length ? `此服务器未开放${missing.join('和')}文件的功能。` : '';
  renderList();
}

function docMeta(d) {
  return [
    d.format?.toUpperCase(),
    d.pages != null && `${d.pages} 页`,
    d.paragraphs != null && `${d.paragraphs} 段`,
    d.source,
  ]
    .filter(Boolean)
    .join(' · ');
}

function renderList() {
  const ul = $('#library-list');
  ul.replaceChildren();
  if (!docs.length) ul.append(el('li', 'muted', '还没有文件。'));
  for (const d of docs) {
    const li = ul.appendChild(el('li', 'lib-doc'));
    const head = li.appendChild(el('div', 'lib-head'));
    head.append(el('span', 'lib-title', d.title || d.source || d.id));
    if (d.status) head.append(el('span', `status status-${d.status}`, STATUS_TEXT[d.status] || d.status));
    const meta = docMeta(d);
    if (meta) li.append(el('div', 'lib-meta', meta));
    if (d.status === 'failed' && d.error) li.append(el('div', 'lib-error', d.error));
    if (!can.asked || can.delete === false) continue;
    const actions = head.appendChild(el('span', 'lib-actions'));
    if (confirming === d.id) {
      actions.append(
        el('span', 'confirm-text', '确定删除这个文件？'),
        button('danger confirm-delete', '删除', { id: d.id }),
        button('ghost-btn cancel-delete', '取消'),
      );
    } else {
      const del = actions.appendChild(button('ghost-btn delete', '删除', { id: d.id }));
      del.setAttribute('aria-label', `删除《${d.title || d.id}》`);
    }
  }
}

/** Upload rows follow their document's status once the server has taken the file. */
function updateUploadRows() {
  for (const li of document.querySelectorAll('#uploads li[data-id]')) {
    const d = docs.find((x) => x.id === li.dataset.id);
    if (!d?.status) continue;
    const text = { indexing: '已上传，正在索引…', ready: '完成', failed: `索引失败：${d.error || ''}` }[d.status];
    if (text) li.querySelector('.upload-status').textContent = text;
    li.classList.toggle('failed', d.status === 'failed');
  }
}

function schedulePoll() {
  clearTimeout(pollTimer);
  if (docs.some((d) => d.status === 'indexing')) {
    pollTimer = setTimeout(() => loadDocuments().catch(schedulePoll), POLL_MS);
  }
}

async function uploadOne(file, li) {
  const progress = li.querySelector('progress');
  const status = li.querySelector('.upload-status');
  status.textContent = '上传中…';
  try {
    const res = await uploadFile('/api/documents', file, (fraction) => {
      progress.value = fraction;
    });
    progress.value = 1;
    const doc = res && Array.isArray(res.documents) ? res.documents[0] : null;
    status.textContent = doc && doc.status === 'ready' ? '完成' : '已上传，正在索引…';
    if (doc?.id) li.dataset.id = doc.id;
  } catch (err) {
    li.classList.add('failed');
    status.textContent = `失败：${err.message}`;
    if (err.status === 404 || err.status === 405) {
      can.upload = false;
      applyCapabilities();
    }
  }
  await loadDocuments().catch(() => {});
}

function uploadFiles(files) {
  for (const file of files) {
    const li = $('#uploads').appendChild(el('li', 'upload'));
    li.append(el('span', 'upload-name', file.name), el('progress'), el('span', 'upload-status', '等待上传'));
    li.querySelector('progress').max = 1;
    li.querySelector('progress').value = 0;
    uploads = uploads.then(() => uploadOne(file, li));
  }
}

async function deleteDocument(id) {
  try {
    await request(`/api/documents/${encodeURIComponent(id)}`, { method: 'DELETE' });
  } catch (err) {
    const list = await loadDocuments().catch(() => docs);
    // A 404 for a document that is still listed means the server has no delete at all.
    if (err.status === 405 || (err.status === 404 && list.some((d) => d.id === id))) {
      can.delete = false;
      applyCapabilities();
    } else if (err.status !== 404) {
      $('#library-note').hidden = false;
      $('#library-note').textContent = `删除失败：${err.message}`;
    }
    return;
  } finally {
    confirming = null;
  }
  await loadDocuments().catch(() => {});
}

let _asking = null;
async function openLibrary() {
  $('#library').showModal();
  loadDocuments().catch((err) => $('#library-list').replaceChildren(el('li', 'error-text', err.message)));
  _asking ??= Promise.all([
    offers('/api/documents', 'POST'),
    offers(`/api/documents/${encodeURIComponent('-')}`, 'DELETE'),
  ]).then(([upload, del]) => {
    Object.assign(can, { asked: true, upload, delete: del });
    applyCapabilities();
  });
}

export function initLibrary() {
  const dialog = $('#library');
  onDocuments((list) => {
    docs = list;
    renderList();
    updateUploadRows();
    schedulePoll();
  });
  $('#library-open').addEventListener('click', openLibrary);
  $('#library-close').addEventListener('click', () => dialog.close());
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.close();
  }); // the backdrop
  $('#file-input').addEventListener('change', (e) => {
    uploadFiles([...e.target.files]);
    e.target.value = '';
  });
  const zone = $('#dropzone');
  dialog.addEventListener('dragover', (e) => {
    if (zone.hidden) return;
    e.preventDefault();
    zone.classList.add('over');
  });
  dialog.addEventListener('dragleave', (e) => {
    if (e.target === zone) zone.classList.remove('over');
  });
  dialog.addEventListener('drop', (e) => {
    if (zone.hidden) return;
    e.preventDefault();
    zone.classList.remove('over');
    if (e.dataTransfer?.files.length) uploadFiles([...e.dataTransfer.files]);
  });
  $('#library-list').addEventListener('click', (e) => {
    const t = e.target.closest('button');
    if (!t) return;
    if (t.matches('.delete')) {
      confirming = t.dataset.id;
      renderList();
      $('#library-list .confirm-delete').focus();
    } else if (t.matches('.cancel-delete')) {
      confirming = null;
      renderList();
    } else if (t.matches('.confirm-delete')) {
      t.disabled = true;
      deleteDocument(t.dataset.id);
    }
  });
}
