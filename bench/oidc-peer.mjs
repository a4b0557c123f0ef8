// The peer of `make bench`: node oidc-provider (the version in tests/interop) configured for the
// flows the bench measures on Gatehouse, in production style (no devInteractions, JWT access tokens):
//   - client_credentials with a resource indicator -> RS256 JWT access token (client_secret_post)
//   - discovery and JWKS
//   - code + PKCE for a public client; the login "interaction" is a route that logs the fixed user
//     in at once, and an existing grant is reused, so with the session cookie /auth answers with a
//     code straight away (the same work Gatehouse does with its session).
// Usage: node bench/oidc-peer.mjs <port>   (prints "ready" on stderr once listening)
import { createServer } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { default: Provider } = await import(
  pathToFileURL(join(root, 'tests/interop/node_modules/oidc-provider/lib/index.js')).href
);

const port = Number(process.argv[2] ?? 3001);
const issuer = `http://127.0.0.1:${port}`;
export const RESOURCE = 'https://api.bench.example/';

const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
jwk.kid = 'bench-rs256';
jwk.alg = 'RS256';
jwk.use = 'sig';

const grants = new Map(); // accountId:clientId -> grant id (a first-party client needs no consent)

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'bench-m2m',
      client_secret: 'bench-m2m-secret-0123456789abcdefghijklmnopqrstuvwxyz0123',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_post',
    },
    {
      client_id: 'bench-spa',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://localhost:3000/callback'],
      token_endpoint_auth_method: 'none',
    },
  ],
  jwks: { keys: [jwk] },
  cookies: { keys: ['bench-cookie-signing-key-0123456789abcdef'] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (_ctx, _client, oneOf) => oneOf,
      useGrantedResource: async () => false,
      getResourceServerInfo: async (_ctx, resource) => {
        if (resource !== RESOURCE) throw new Provider.errors.InvalidTarget();
        return { scope: 'read:bench', audience: RESOURCE, accessTokenTTL: 86400, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
      },
    },
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: async (_ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub, email: `${sub}@example.com`, email_verified: true }),
  }),
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  loadExistingGrant: async (ctx) => {
    const key = `${ctx.oidc.session.accountId}:${ctx.oidc.client.clientId}`;
    const known = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId) || grants.get(key);
    if (known) {
      const grant = await ctx.oidc.provider.Grant.find(known);
      if (grant) return grant;
    }
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email offline_access');
    const id = await grant.save();
    grants.set(key, id);
    return grant;
  },
  ttl: { AccessToken: 86400, ClientCredentials: 86400, Grant: 86400 * 14, Session: 86400 * 14 },
});
provider.proxy = false;

const app = provider.callback();
createServer(async (req, res) => {
  if (req.url.startsWith('/interaction/')) {
    try {
      await provider.interactionDetails(req, res);
      await provider.interactionFinished(req, res, { login: { accountId: 'bench-user' } }, { mergeWithLastSubmission: false });
    } catch (e) {
      res.statusCode = 500;
      res.end(String(e));
    }
    return;
  }
  app(req, res);
}).listen(port, '127.0.0.1', () => process.stderr.write('ready\n'));
