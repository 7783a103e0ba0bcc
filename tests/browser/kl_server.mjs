// The real keyledger binary on a free port with a temporary data directory and a known admin
// token (like tests/e2e/kl_server.h), plus a small JSON client for arranging and checking state.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ADMIN_TOKEN = 'browser-admin-token-0123456789abcdefghijklmnop';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// `options.args` are added to `keyledger serve`'s arguments, `options.env` to its environment.
export async function startServer(binary, options = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyledger-console-'));
  const port = await freePort();
  const logPath = path.join(dir, 'serve.log');
  const log = fs.openSync(logPath, 'a');
  const child = spawn(binary, ['serve', '--data-dir', path.join(dir, 'data'), '--listen', `127.0.0.1:${port}`,
                               '--threads', '2', ...(options.args || [])],
                      { env: { ...process.env, KEYLEDGER_ADMIN_TOKEN: ADMIN_TOKEN, ...(options.env || {}) },
                        stdio: ['ignore', log, log] });
  const base = `http://127.0.0.1:${port}`;
  let exited = null;
  child.on('exit', (code) => { exited = code; });
  // Ready once /readyz answers 200; a server that exits first fails at once, with its log.
  const deadline = Date.now() + 20000;
  while (!(await fetch(`${base}/readyz`).then((r) => r.ok, () => false))) {
    if (exited !== null) throw new Error(`keyledger exited with ${exited}:\n${fs.readFileSync(logPath, 'utf8')}`);
    if (Date.now() > deadline) throw new Error(`keyledger did not become ready:\n${fs.readFileSync(logPath, 'utf8')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base,
    port,
    log: () => fs.readFileSync(logPath, 'utf8'),
    // Under a sanitizer build (scripts/sanitize.sh) reports land in the server log, and UBSan
    // does not stop the process: look for them, as tests/e2e/kl_server.h does.
    sanitizerReport() {
      const text = fs.readFileSync(logPath, 'utf8');
      const markers = ['ERROR: AddressSanitizer', 'runtime error:', 'ERROR: LeakSanitizer', 'WARNING: ThreadSanitizer'];
      return markers.some((m) => text.includes(m)) ? text : null;
    },
    async stop() {
      if (exited === null) {
        const done = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await done;
      }
      fs.closeSync(log);
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function client(base, token = ADMIN_TOKEN) {
  async function call(method, p, body) {
    const res = await fetch(`${base}${p}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, headers: res.headers, json, text };
  }
  return {
    get: (p) => call('GET', p),
    post: (p, body) => call('POST', p, body),
    del: (p, body) => call('DELETE', p, body),
  };
}
