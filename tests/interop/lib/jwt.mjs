// Minimal JWT helpers for interop tests (no extra npm dependency): decode, and verify an RS256
// signature against the tenant's JWKS with WebCrypto.
const b64url = (s) => Buffer.from(s, 'base64url');

export function decodeJwt(token) {
  const [h, p] = token.split('.');
  return { header: JSON.parse(b64url(h).toString('utf8')), payload: JSON.parse(b64url(p).toString('utf8')) };
}

// Returns the payload when the signature verifies with the JWKS key named by the header's kid.
export async function verifyJwt(token, jwksUri) {
  const [h, p, s] = token.split('.');
  const { header, payload } = decodeJwt(token);
  if (header.alg !== 'RS256') throw new Error(`unexpected alg ${header.alg}`);
  const jwks = await (await fetch(jwksUri)).json();
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error(`kid ${header.kid} not in JWKS`);
  const key = await crypto.subtle.importKey(
    'jwk', { kty: jwk.kty, n: jwk.n, e: jwk.e }, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']);
  const ok = await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, b64url(s), Buffer.from(`${h}.${p}`));
  if (!ok) throw new Error('bad signature');
  return payload;
}
