// A real SMTP server on 127.0.0.1 (the `smtp-server` npm package) that keeps what it receives:
// the envelope, the authenticated user and the raw message, plus a small parser of the mails
// Gatehouse sends (headers, base64 HTML body, RFC 2047 subject). Not a test file itself.
import { SMTPServer } from 'smtp-server';
import { freePort } from '../lib/gatehouse.mjs';

// options.auth: { user, pass, methods: ['PLAIN'] | ['LOGIN'] } requires SMTP AUTH; without it
// the server accepts anonymous mail. STARTTLS is not offered (its certificate would be
// self-signed, which a verifying client rightly refuses).
export async function startSmtp({ auth, port } = {}) {
  const received = [];
  const waiters = [];
  const listenPort = port ?? (await freePort());
  const server = new SMTPServer({
    disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authMethods: auth?.methods ?? ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    authOptional: !auth,
    logger: false,
    onAuth(a, session, callback) {
      if (auth && a.username === auth.user && a.password === auth.pass) return callback(null, { user: a.username, method: a.method });
      return callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        received.push({
          raw,
          from: session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user,
          authMethod: session.user ? auth?.methods?.[0] : undefined,
          ...parseMail(raw),
        });
        for (const w of waiters.splice(0)) w();
        callback();
      });
    },
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', resolve);
  });
  return {
    port: listenPort,
    received,
    async waitFor(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} mails, got ${received.length}`);
        await new Promise((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
      return received;
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

export function parseMail(raw) {
  const split = raw.indexOf('\r\n\r\n');
  const headerText = raw.slice(0, split);
  const headers = {};
  const lines = headerText.split('\r\n');
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    (headers[name] ??= []).push(line.slice(colon + 1).trim());
  }
  const body = Buffer.from(raw.slice(split + 4).replace(/\s+/g, ''), 'base64').toString('utf8');
  const decode = (v) => v?.replace(/=\?UTF-8\?B\?([^?]*)\?=/g, (_, b) => Buffer.from(b, 'base64').toString('utf8'));
  return { headers, headerLines: lines, subject: decode(headers.subject?.[0]), html: body };
}

// The Management API body of an smtp provider reaching this server.
export function smtpProvider(smtp, { user, pass, from = 'no-reply@gatehouse.test' } = {}) {
  const credentials = { smtp_host: '127.0.0.1', smtp_port: smtp.port };
  if (user) Object.assign(credentials, { smtp_user: user, smtp_pass: pass });
  return { name: 'smtp', enabled: true, default_from_address: from, credentials };
}

export const RETRY_ENV = { GATEHOUSE_MAIL_RETRY_BASE_MS: '1000' };
