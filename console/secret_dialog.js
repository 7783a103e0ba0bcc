// Shows a newly created secret exactly once. The value is only ever in this dialog's text and
// in the argument of the copy call; closing the dialog (button, Escape) removes it from the page.
import { $, announce } from './dom.js';

let current = null;

// Drops the secret from the page. Called synchronously on every way out (the button, Escape),
// because the dialog's "close" event fires a task later, after the dialog is already hidden.
function forget() {
  current = null;
  $('secret-value').textContent = '';
  $('secret-key-name').textContent = '';
  $('secret-copied').textContent = '';
}

export function initSecretDialog() {
  const dialog = $('secret-dialog');
  $('secret-copy').addEventListener('click', copy);
  $('secret-done').addEventListener('click', () => {
    forget();
    dialog.close();
  });
  dialog.addEventListener('cancel', forget);
  dialog.addEventListener('close', forget);
}

async function copy() {
  if (!current) return;
  try {
    await navigator.clipboard.writeText(current);
    $('secret-copied').textContent = 'Copied to the clipboard.';
  } catch {
    // No clipboard permission: select the text so Ctrl+C works.
    const range = document.createRange();
    range.selectNodeContents($('secret-value'));
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    $('secret-copied').textContent = 'Copying was refused: the secret is selected, press Ctrl+C.';
  }
}

// Resolves once the user has closed the dialog.
export function showSecret(apiKey, value, what) {
  const dialog = $('secret-dialog');
  current = value;
  $('secret-key-name').textContent = `${what}: ${apiKey.name} (${apiKey.id})`;
  $('secret-value').textContent = value;
  dialog.showModal();
  announce('New secret shown once; copy it now.');
  return new Promise((resolve) => dialog.addEventListener('close', resolve, { once: true }));
}
