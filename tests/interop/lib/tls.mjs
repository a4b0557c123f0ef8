// TLS for tests against SDKs that always call https://<domain> (Auth0's Node SDK): a throwaway
// self-signed certificate for 127.0.0.1, and a fetch that trusts exactly that certificate through an
// https.Agent, so TLS verification stays on everywhere else in the test process.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';

// Writes cert.pem / key.pem (P-256, valid two days, SAN IP:127.0.0.1) into `dir`.
export function selfSignedCertificate(dir) {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key, pem: readFileSync(cert, 'utf8') };
}

// An agent that trusts `caPem` only.
export function trustingAgent(caPem) {
  return new https.Agent({ ca: caPem, keepAlive: false });
}

// A WHATWG fetch over `agent` (or over init.dispatcher when it is an https.Agent: Auth0's SDK passes
// its `agent` option there).
export function fetchThrough(agent) {
  return (input, init = {}) =>
    new Promise((resolve, reject) => {
      const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
      const headers = Object.fromEntries(new Headers(init.headers ?? {}).entries());
      let body = init.body;
      if (body instanceof URLSearchParams) {
        body = body.toString();
        headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
      }
      const via = init.dispatcher instanceof https.Agent ? init.dispatcher : agent;
      const req = https.request(url, { method: init.method ?? 'GET', headers, agent: via, signal: init.signal }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const responseHeaders = new Headers();
          for (const [k, v] of Object.entries(res.headers))
            for (const value of [v].flat()) responseHeaders.append(k, value);
          const status = res.statusCode;
          const noBody = status === 204 || status === 304;
          resolve(new Response(noBody ? null : Buffer.concat(chunks), { status, headers: responseHeaders }));
        });
      });
      req.on('error', reject);
      if (body !== undefined && body !== null) req.write(body);
      req.end();
    });
}
