// API client: JSON requests with the optional API key, and HTTP errors mapped to readable messages.

import { read, write } from './storage.js';

const KEY = 'apiKey';

/** An HTTP error answer: status, the server's error code, and a message fit to show. */
export class ApiError extends Error {
  constructor(status, code, message, allow = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.allow = allow; // the Allow header of a 405: the methods the server does accept
  }
}

// What the user should read for statuses where the server's own (English) message is not enough.
const STATUS_TEXT = {
  401: '需要 API 密钥',
  404: '未找到',
  405: '服务器不支持此操作',
  413: '内容太大',
  415: '不支持的格式',
  429: '请求太频繁，请稍后再试',
  503: '服务繁忙或超时，请稍后再试',
};

// The key entered on this page, used when localStorage is disabled.
let sessionKey = '';
const currentKey = () => read(KEY) || sessionKey;

export function storeKey(key) {
  sessionKey = key;
  write(KEY, key);
}

/** Headers carrying the API key, when one is known. */
export function authHeaders() {
  const key = currentKey();
  return key ? { Authorization: `Bearer ${key}` } : {};
}

/** Build an ApiError from a status, the parsed JSON error body (or null) and the Allow header. */
function toApiError(status, body, allow = null) {
  const server = body?.error?.message;
  const code = body?.error?.code || `http_${status}`;
  const mapped = STATUS_TEXT[status];
  const fallback = server || `请求失败（HTTP ${status}）`;
  const message = mapped ? (server ? `${mapped}（${server}）` : mapped) : fallback;
  return new ApiError(status, code, message, allow);
}

// Called on a 401: resolves to a key to retry with, or to '' to give up. Shared by concurrent requests.
let keyPrompt = null;
let pendingPrompt = null;
export function onKeyNeeded(prompt) {
  keyPrompt = prompt;
}

/** Ask the page for a key, once for all requests that got a 401 at the same time. */
function requestKey(message) {
  if (!keyPrompt) return Promise.resolve('');
  pendingPrompt ??= keyPrompt(message).finally(() => {
    pendingPrompt = null;
  });
  return pendingPrompt;
}

/** After a 401 for a request sent with sentKey: true when there is a (new) key to retry with. */
async function keyToRetry(sentKey) {
  if (currentKey() !== sentKey) return true; // a key was entered while this request was on its way
  const key = await requestKey(sentKey ? 'API 密钥不正确，请重新输入' : '服务器需要 API 密钥');
  if (key) storeKey(key);
  return !!key;
}

/** fetch() with the API key, a JSON body when `json` is given, and errors thrown as ApiError. */
export async function request(path, { json, headers = {}, ...rest } = {}) {
  for (;;) {
    const sentKey = currentKey();
    const init = { ...rest, headers: { ...headers, ...authHeaders() } };
    if (json !== undefined) {
      init.method = init.method || 'POST';
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(json);
    }
    const res = await fetch(path, init);
    if (res.ok) return res;
    let body = null;
    try {
      body = await res.json();
    } catch {
      /* not JSON */
    }
    if (res.status === 401 && (await keyToRetry(sentKey))) continue;
    throw toApiError(res.status, body, res.headers.get('Allow'));
  }
}

export const getJSON = async (path, opts) => (await request(path, opts)).json();

/** POST one file as multipart field `file`, reporting upload progress as a fraction (0–1). */
export async function uploadFile(path, file, onProgress) {
  for (;;) {
    const sentKey = currentKey();
    const { status, body, allow } = await new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', path);
      for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
      xhr.responseType = 'json';
      xhr.upload.addEventListener('progress', (e) => {
        if (e.lengthComputable) onProgress(e.loaded / e.total);
      });
      xhr.addEventListener('load', () =>
        resolve({ status: xhr.status, body: xhr.response, allow: xhr.getResponseHeader('Allow') }),
      );
      xhr.addEventListener('error', () => reject(new ApiError(0, 'network', '网络错误，上传中断')));
      const form = new FormData();
      form.append('file', file, file.name);
      xhr.send(form);
    });
    if (status >= 200 && status < 300) return body;
    if (status === 401 && (await keyToRetry(sentKey))) continue;
    throw toApiError(status, body, allow);
  }
}
