// Runs every server audit of graphql-http (the GraphQL-over-HTTP specification's reference
// suite) against one GraphQL URL and prints the results as JSON on stdout:
//   [{"id", "name", "level": "MUST"|"SHOULD"|"MAY", "status": "ok"|"error"|"warn"|"notice",
//     "reason"?, "response"?: {"status", "contentType", "body"}}]
//
// Usage: node audit.mjs URL [AUTHORIZATION]
// AUTHORIZATION, when given, is sent as the Authorization header of every request.

import { serverAudits } from 'graphql-http';

const [url, authorization] = process.argv.slice(2);
if (!url) {
  console.error('usage: node audit.mjs URL [AUTHORIZATION]');
  process.exit(2);
}

/** fetch, with the caller's credentials on every request. */
function fetchFn(input, init = {}) {
  const headers = new Headers(init.headers);
  if (authorization) headers.set('authorization', authorization);
  return fetch(input, { ...init, headers });
}

async function describe(response) {
  let body = '';
  try {
    body = (await response.clone().text()).slice(0, 500);
  } catch {
    body = '(body already read)';
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body,
  };
}

const results = [];
// One audit at a time: the answers stay readable in the server's log.
for (const { id, name, fn } of serverAudits({ url, fetchFn })) {
  const level = name.split(' ')[0];
  try {
    const result = await fn();
    const entry = { id, name, level, status: result.status };
    if (result.status !== 'ok') {
      entry.reason = result.reason;
      entry.response = await describe(result.response);
    }
    results.push(entry);
  } catch (error) {
    // Not a failed assertion: the audit could not run (no connection, say).
    results.push({ id, name, level, status: 'error', reason: `audit crashed: ${error}` });
  }
}
console.log(JSON.stringify(results, null, 2));
