// A SaaS team's settings page as docs/widgets.md tells it to embed the API keys widget: the
// official @workos-inc/widgets component, pointed at keyledger through apiHostname/port/https,
// with its token minted by the page's own back-end (page_server.mjs, GET /widget-token).
//
// The query string picks what the test exercises:
//   org, user  the organization and user the back-end mints the token for
//   token=once the token is fetched once and handed over as a string, so the widget cannot
//              refresh it (a token that expires stays expired); by default the widget gets a
//              function and asks the back-end again whenever it wants a fresh token.
import { createRoot } from 'react-dom/client';
import { ApiKeys, WorkOsWidgets } from '@workos-inc/widgets';
import '@radix-ui/themes/styles.css';
import '@workos-inc/widgets/styles.css';

const params = new URLSearchParams(location.search);
const tokenQuery = new URLSearchParams();
for (const name of ['org', 'user']) {
  if (params.has(name)) tokenQuery.set(name, params.get(name));
}

async function mintToken() {
  const res = await fetch(`/widget-token?${tokenQuery}`, { cache: 'no-store' });
  if (!res.ok) throw new Error(`the back-end could not mint a widget token: ${res.status}`);
  return (await res.json()).token;
}

async function main() {
  const config = await (await fetch('/config.json', { cache: 'no-store' })).json();
  const authToken = params.get('token') === 'once' ? await mintToken() : mintToken;
  createRoot(document.getElementById('root')).render(
    <WorkOsWidgets apiHostname={config.apiHostname} port={config.port} https={config.https}>
      <ApiKeys authToken={authToken} />
    </WorkOsWidgets>,
  );
}

main();
