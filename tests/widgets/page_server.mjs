// The SaaS team's side of the test: a tiny HTTP server on loopback that serves the bundled page
// (build_page.mjs) and, as the page's own back-end, mints widget tokens through the official
// @workos-inc/node SDK pointed at keyledger. It listens on one port per origin asked for, so the
// same page can be served from an origin keyledger allows and from one it does not.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { WorkOS } from '@workos-inc/node';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' };
export const MANAGE_SCOPE = 'widgets:api-keys:manage';

// mint({org, user}) -> token string, through the SDK's widgets.createToken (POST /widgets/token).
export function sdkMinter(keyledger, apiKey) {
  const workos = new WorkOS(apiKey, { apiHostname: '127.0.0.1', port: keyledger.port, https: false });
  return async ({ org, user }) => {
    const { token } = await workos.widgets.createToken({
      organizationId: org, ...(user ? { userId: user } : {}), scopes: [MANAGE_SCOPE] });
    return token;
  };
}

function handler(dir, state, minted) {
  return async (req, res) => {
    const { config, mint } = state;
    const url = new URL(req.url, 'http://page');
    try {
      if (url.pathname === '/config.json') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
        res.end(JSON.stringify(config));
        return;
      }
      if (url.pathname === '/widget-token') {
        const org = url.searchParams.get('org');
        const token = state.handout || await mint({ org, user: url.searchParams.get('user') });
        minted.push(token);
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
        res.end(JSON.stringify({ token }));
        return;
      }
      const name = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
      const file = path.join(dir, path.basename(name));
      if (!TYPES[path.extname(file)] || !fs.existsSync(file)) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('not found');
        return;
      }
      res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)], 'Cache-Control': 'no-store' });
      res.end(fs.readFileSync(file));
    } catch (e) {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(e && e.message));
    }
  };
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

// Serves `dir` on `count` loopback ports; returns their origins and the tokens minted so far.
// The origins are known before keyledger starts (it is told which to allow); `attach` then points
// the page and its token minting at it.
export async function startPageServer({ dir, count = 2 }) {
  const state = { config: null, mint: null, handout: null };
  const minted = [];
  const servers = [];
  const origins = [];
  for (let i = 0; i < count; i += 1) {
    const server = http.createServer(handler(dir, state, minted));
    servers.push(server);
    origins.push(`http://127.0.0.1:${await listen(server)}`);
  }
  return {
    origins,
    minted,
    attach({ keyledger, mint }) {
      state.config = { apiHostname: '127.0.0.1', port: keyledger.port, https: false };
      state.mint = mint;
    },
    // From now on the back-end hands out this token (an expired one, say) instead of minting; null ends it.
    handOut(token) {
      state.handout = token;
    },
    stop: () => Promise.all(servers.map((s) => new Promise((r) => { s.closeAllConnections(); s.close(r); }))),
  };
}
