// API client: JSON requests with the optional API key, and HTTP errors mapped to readable messages.

import { read, write } from './storage.js';

const KEY = 'apiKey';

/** An HTTP error answer: status, the server's error code, and a message fit to show. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
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
  return key ? { Authorization: 'Bearer ' + key } : {};
}

/** Build an ApiError from a status and the parsed JSON error body (or null). */
export function toApiError(status, body) {
  const server = body && body.error && body.error.message;
  const code = (body && body.error && body.error.code) || 'http_' + status;
  const mapped = STATUS_TEXT[status];
  const message = mapped ? (server ? `${mapped}（${server}）` : mapped) : server || `请求失败（HTTP ${status}）`;
  return new ApiError(status, code, message);
}

// Called on a 401: resolves to a key to retry with, or to '' to give up. Shared by concurrent requests.
let keyPrompt = null;
let pendingPrompt = null;
export function onKeyNeeded(prompt) {
  keyPrompt = prompt;
}

/** Ask the page for a key, once for all requests that got a 401 at the same time. */
export function requestKey(message) {
  if (!keyPrompt) return Promise.resolve('');
  pendingPrompt ??= keyPrompt(message).finally(() => { pendingPrompt = null; });
  return pendingPrompt;
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
    } catch { /* not JSON */ }
    const error = toApiError(res.status, body);
    if (res.status === 401) {
      if (currentKey() !== sentKey) continue; // a key was entered while this request was on its way
      const key = await requestKey(sentKey ? 'API 密钥不正确，请重新输入' : '服务器需要 API 密钥');
      if (key) {
        storeKey(key);
        continue;
      }
    }
    throw error;
  }
}

export const getJSON = async (path, opts) => (await request(path, opts)).json();
