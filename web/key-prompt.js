// The field that asks for the API key when the server answers 401; the key is kept in localStorage.

import { onKeyNeeded } from './api.js';
import { $ } from './dom.js';

/** Show the key field; resolves to the key entered, or '' when cancelled. */
function promptForKey(message) {
  const form = $('#key-form');
  const input = $('#key-input');
  $('#key-label').textContent = message;
  form.hidden = false;
  input.value = '';
  input.focus();
  return new Promise((resolve) => {
    const done = (key) => {
      form.hidden = true;
      form.removeEventListener('submit', submit);
      $('#key-cancel').removeEventListener('click', cancel);
      resolve(key);
    };
    const submit = (e) => {
      e.preventDefault();
      if (input.value.trim()) done(input.value.trim());
    };
    const cancel = () => done('');
    form.addEventListener('submit', submit);
    $('#key-cancel').addEventListener('click', cancel);
  });
}

export function initKeyPrompt() {
  onKeyNeeded(promptForKey);
}
