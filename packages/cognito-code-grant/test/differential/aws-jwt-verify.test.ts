/**
 * Differential test: every token of a corpus (valid tokens plus signature, header, claim and
 * encoding mutations) goes through our verifier and through aws-jwt-verify's CognitoJwtVerifier.
 * - A token we accept and aws-jwt-verify refuses fails the test.
 * - A token we refuse and aws-jwt-verify accepts must come from a mutation listed in STRICTER,
 *   with the reason; an unlisted stricter case fails, and so does a listed entry that no longer
 *   produces a stricter case (the list stays true).
 * Both run on the real clock with the same skew (GRACE seconds: ours clockSkewSeconds, aws graceSeconds);
 * time mutations stay far from the edges, so a slow machine building the corpus does not matter.
 */
import assert from 'node:assert/strict';
import { createHmac, sign } from 'node:crypto';
import { describe, test } from 'node:test';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { definePool } from '../../src/config/pool.ts';
import { isCognitoAuthError } from '../../src/errors/errors.ts';
import { createCognitoVerifier } from '../../src/jwt/verifier.ts';
import { type TestKeyPair, generateTestKeyPair } from '../../src/testing/keys.ts';
import { base64url, createTestPool } from '../../src/testing/tokens.ts';

/** Shared clock skew; wide so that corpus-building time on a slow machine cannot move a case. */
const GRACE = 30;

/** Mutations where we refuse what aws-jwt-verify 5 accepts, and why (SECURITY.md / cognito-facts.md). */
const STRICTER: Record<string, string> = {
  'header typ at+jwt':
    'typ, when present, must be JWT: Cognito sends none; another typ is another token kind',
  'header typ lowercase jwt': 'typ compared exactly',
  'header cty JWT': 'nested tokens are refused (SECURITY.md Tokens)',
  'header cty other': 'any cty means content we do not process; Cognito never sends cty',
  'header crit empty': 'crit is refused in any form: we understand no extension',
  'header crit exp': 'unknown crit headers are refused (SECURITY.md Tokens)',
  'header jku': 'jku never supplies a key and is refused outright (SECURITY.md Tokens)',
  'header x5u': 'x5u never supplies a key and is refused outright',
  'header x5c': 'x5c never supplies a key and is refused outright',
  'header jwk (our key)': 'an embedded jwk is refused even when it is our own key',
  'encoding signature trailing bits': 'non-canonical base64url is refused',
  'encoding signature padded': 'padding is not base64url as JWS uses it',
  'encoding too large': 'tokens over 16 KiB are refused early (SECURITY.md Limits)',
  'claim iat missing': 'iat is required: Cognito always sets it and SECURITY.md checks it',
  'claim iat future': 'iat in the future beyond the skew is refused',
  'claim auth_time string': 'auth_time must be a number when present',
  'claim sub missing': 'sub identifies the principal; it must be a non-empty string',
  'claim sub empty': 'sub must be non-empty',
  'claim groups string': 'cognito:groups must be an array of strings (cognito-facts.md section 2)',
  'claim groups mixed': 'cognito:groups must be an array of strings',
  'claim exp missing': 'exp is required',
  'claim iss updated form':
    'exactly the configured issuer: aws-jwt-verify 5 also takes the issuer-cognito-idp form; we take it only when a pool is configured with that issuer (definePool({ issuer: updatedIssuer(...) }))',
};

interface Case {
  name: string;
  token: string;
  use: 'access' | 'id';
}

function signRaw(header: unknown, payload: unknown, key: TestKeyPair, hash = 'RSA-SHA256'): string {
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  return `${input}.${base64url(sign(hash, Buffer.from(input), key.privateKey))}`;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Same decoded bytes, non-canonical text: set a spare bit of the last character (if there are spare bits). */
function dirtyTail(segment: string): string | undefined {
  if (segment.length % 4 === 0) return undefined;
  const last = segment.at(-1)!;
  return segment.slice(0, -1) + ALPHABET[ALPHABET.indexOf(last) | 1]!;
}
const pad = (s: string) => s + '='.repeat((4 - (s.length % 4)) % 4);

function buildCorpus(): { cases: Case[]; pool: ReturnType<typeof createTestPool>; extra: TestKeyPair } {
  const tp = createTestPool({ lifetimeSeconds: 3600 });
  const extra = generateTestKeyPair();
  const now = Math.floor(Date.now() / 1000);
  const decode = (t: string) =>
    JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

  const bases: Array<{
    label: string;
    use: 'access' | 'id';
    claims: Record<string, unknown>;
    key: TestKeyPair;
  }> = [
    { label: 'access', use: 'access', claims: decode(tp.accessToken()), key: tp.accessKey },
    {
      label: 'access+groups',
      use: 'access',
      claims: decode(tp.accessToken({ groups: ['admins', 'staff'] })),
      key: tp.accessKey,
    },
    { label: 'machine', use: 'access', claims: decode(tp.clientCredentialsToken()), key: tp.accessKey },
    { label: 'id', use: 'id', claims: decode(tp.idToken({ groups: ['staff'] })), key: tp.idKey },
    {
      label: 'id+unicode',
      use: 'id',
      claims: decode(tp.idToken({ username: 'jöhn.dœ', attributes: { name: '名前' } })),
      key: tp.idKey,
    },
  ];

  const cases: Case[] = [];
  for (const base of bases) {
    const c = base.claims;
    const k = base.key;
    const h = { kid: k.kid, alg: 'RS256' };
    const good = signRaw(h, c, k);
    const [gh, gp, gs] = good.split('.') as [string, string, string];
    const other = base.use === 'access' ? 'id' : 'access';
    const clientClaim = base.use === 'access' ? 'client_id' : 'aud';
    const m: Record<string, string | undefined> = {
      // valid
      valid: good,
      'valid typ JWT': signRaw({ ...h, typ: 'JWT' }, c, k),
      'valid header reordered': signRaw({ alg: 'RS256', kid: k.kid }, c, k),
      'valid nbf past': signRaw(h, { ...c, nbf: now - 60 }, k),
      'valid exp within grace': signRaw(h, { ...c, exp: now - 10 }, k),
      'valid unknown claims': signRaw(h, { ...c, 'custom:tenant': '42', extra: { nested: [1, 2] } }, k),
      'valid resource aud on access':
        base.use === 'access' ? signRaw(h, { ...c, aud: 'https://api.example.com' }, k) : undefined,
      // signature
      'sig flipped bit': `${gh}.${gp}.${gs.slice(0, 10)}${gs[10] === 'A' ? 'B' : 'A'}${gs.slice(11)}`,
      'sig truncated': `${gh}.${gp}.${gs.slice(0, -4)}`,
      'sig extended': `${gh}.${gp}.${gs}AAAA`,
      'sig empty': `${gh}.${gp}.`,
      'sig from another token': `${gh}.${gp}.${signRaw(h, { ...c, jti: 'other' }, k).split('.')[2]}`,
      'sig other key same kid': signRaw(h, c, generateTestKeyPair({ kid: k.kid })),
      'sig other pool key': signRaw({ kid: extra.kid, alg: 'RS256' }, c, extra),
      'sig payload tampered': `${gh}.${base64url(JSON.stringify({ ...c, sub: 'admin' }))}.${gs}`,
      'sig header tampered': `${base64url(JSON.stringify({ ...h, x: 1 }))}.${gp}.${gs}`,
      // header
      'header alg none': `${base64url(JSON.stringify({ ...h, alg: 'none' }))}.${gp}.`,
      'header alg none with sig': `${base64url(JSON.stringify({ ...h, alg: 'none' }))}.${gp}.${gs}`,
      'header alg HS256 public key secret': (() => {
        const hh = base64url(JSON.stringify({ ...h, alg: 'HS256' }));
        const secret = k.publicKey.export({ format: 'pem', type: 'spki' });
        return `${hh}.${gp}.${createHmac('sha256', secret).update(`${hh}.${gp}`).digest('base64url')}`;
      })(),
      'header alg RS384': signRaw({ ...h, alg: 'RS384' }, c, k, 'RSA-SHA384'),
      'header alg RS512': signRaw({ ...h, alg: 'RS512' }, c, k, 'RSA-SHA512'),
      'header alg lowercase': signRaw({ ...h, alg: 'rs256' }, c, k),
      'header alg missing': signRaw({ kid: k.kid }, c, k),
      'header kid missing': signRaw({ alg: 'RS256' }, c, k),
      'header kid unknown': signRaw({ ...h, kid: 'nope' }, c, k),
      'header kid number': signRaw({ ...h, kid: 1 }, c, k),
      'header kid __proto__': signRaw({ ...h, kid: '__proto__' }, c, k),
      'header jku': signRaw({ ...h, jku: 'https://evil.example/jwks.json' }, c, k),
      'header x5u': signRaw({ ...h, x5u: 'https://evil.example/c.pem' }, c, k),
      'header x5c': signRaw({ ...h, x5c: ['MIIB'] }, c, k),
      'header jwk (attacker key)': signRaw({ kid: extra.kid, alg: 'RS256', jwk: extra.jwk }, c, extra),
      'header jwk (our key)': signRaw({ ...h, jwk: k.jwk }, c, k),
      'header crit exp': signRaw({ ...h, crit: ['exp'] }, c, k),
      'header crit empty': signRaw({ ...h, crit: [] }, c, k),
      'header cty JWT': signRaw({ ...h, cty: 'JWT' }, c, k),
      'header cty other': signRaw({ ...h, cty: 'text/plain' }, c, k),
      'header typ at+jwt': signRaw({ ...h, typ: 'at+jwt' }, c, k),
      'header typ lowercase jwt': signRaw({ ...h, typ: 'jwt' }, c, k),
      'header array': signRaw([h], c, k),
      'header not json': `${base64url('{"kid":')}.${gp}.${gs}`,
      // claims
      'claim exp past': signRaw(h, { ...c, exp: now - 600 }, k),
      'claim exp missing': signRaw(h, { ...c, exp: undefined }, k),
      'claim exp string': signRaw(h, { ...c, exp: String(now + 600) }, k),
      'claim nbf future': signRaw(h, { ...c, nbf: now + 600 }, k),
      'claim nbf string': signRaw(h, { ...c, nbf: String(now - 60) }, k),
      'claim iat missing': signRaw(h, { ...c, iat: undefined }, k),
      'claim iat string': signRaw(h, { ...c, iat: String(now) }, k),
      'claim iat future': signRaw(h, { ...c, iat: now + 600 }, k),
      'claim auth_time string': signRaw(h, { ...c, auth_time: String(now) }, k),
      'claim sub missing': signRaw(h, { ...c, sub: undefined }, k),
      'claim sub empty': signRaw(h, { ...c, sub: '' }, k),
      'claim sub number': signRaw(h, { ...c, sub: 7 }, k),
      'claim iss other pool': signRaw(
        h,
        { ...c, iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other' },
        k,
      ),
      'claim iss trailing slash': signRaw(h, { ...c, iss: `${c['iss']}/` }, k),
      'claim iss updated form': signRaw(
        h,
        { ...c, iss: String(c['iss']).replace('cognito-idp', 'issuer-cognito-idp') },
        k,
      ),
      'claim iss array': signRaw(h, { ...c, iss: [c['iss']] }, k),
      'claim iss missing': signRaw(h, { ...c, iss: undefined }, k),
      'claim token_use other': signRaw(h, { ...c, token_use: other }, k),
      'claim token_use refresh': signRaw(h, { ...c, token_use: 'refresh' }, k),
      'claim token_use missing': signRaw(h, { ...c, token_use: undefined }, k),
      'claim client wrong': signRaw(h, { ...c, [clientClaim]: 'someoneelse' }, k),
      'claim client missing': signRaw(h, { ...c, [clientClaim]: undefined }, k),
      'claim aud array (id token)': base.use === 'id' ? signRaw(h, { ...c, aud: [c['aud']] }, k) : undefined,
      'claim aud ours but client_id wrong':
        base.use === 'access' ? signRaw(h, { ...c, aud: tp.clientId, client_id: 'x' }, k) : undefined,
      'claim groups string': signRaw(h, { ...c, 'cognito:groups': 'admins' }, k),
      'claim groups mixed': signRaw(h, { ...c, 'cognito:groups': ['admins', 1] }, k),
      'claim scope array': base.use === 'access' ? signRaw(h, { ...c, scope: ['openid'] }, k) : undefined,
      'claim scope number': base.use === 'access' ? signRaw(h, { ...c, scope: 1 }, k) : undefined,
      'claim payload array': signRaw(h, [c], k),
      // encoding
      'encoding header padded': gh.length % 4 ? `${pad(gh)}.${gp}.${gs}` : undefined,
      'encoding payload padded': gp.length % 4 ? `${gh}.${pad(gp)}.${gs}` : undefined,
      'encoding signature padded': gs.length % 4 ? `${gh}.${gp}.${pad(gs)}` : undefined,
      'encoding signature standard alphabet': /[-_]/.test(gs)
        ? `${gh}.${gp}.${gs.replace(/-/g, '+').replace(/_/g, '/')}`
        : undefined,
      'encoding payload trailing bits': dirtyTail(gp) && `${gh}.${dirtyTail(gp)}.${gs}`,
      'encoding header trailing bits': dirtyTail(gh) && `${dirtyTail(gh)}.${gp}.${gs}`,
      'encoding signature trailing bits': dirtyTail(gs) && `${gh}.${gp}.${dirtyTail(gs)}`,
      'encoding two segments': `${gh}.${gp}`,
      'encoding four segments': `${good}.${gs}`,
      'encoding five segments (JWE)': `${gh}.${gp}.${gs}.${gs}.${gs}`,
      'encoding leading space': ` ${good}`,
      'encoding trailing newline': `${good}\n`,
      'encoding empty': '',
      'encoding too large': signRaw(h, { ...c, filler: 'x'.repeat(17_000) }, k),
    };
    for (const [name, token] of Object.entries(m)) {
      if (token !== undefined) cases.push({ name, token, use: base.use });
    }
  }
  return { cases, pool: tp, extra };
}

function outcome(fn: () => unknown): { ok: boolean; error?: string } {
  try {
    fn();
    return { ok: true };
  } catch (e) {
    return { ok: false, error: isCognitoAuthError(e) ? e.code : (e as Error).name };
  }
}

describe('differential: ours vs aws-jwt-verify', () => {
  const { cases, pool: tp } = buildCorpus();
  const pool = definePool({ userPoolId: tp.userPoolId, clientId: tp.clientId });
  const ours = createCognitoVerifier({
    pools: pool,
    tokenCacheSize: 0,
    clockSkewSeconds: GRACE,
    fetch: () => Promise.reject(new Error('no network')),
  });
  ours.loadJwks(pool.issuer, tp.jwks());
  const aws = {
    access: CognitoJwtVerifier.create({
      userPoolId: tp.userPoolId,
      clientId: tp.clientId,
      tokenUse: 'access',
      graceSeconds: GRACE,
    }),
    id: CognitoJwtVerifier.create({
      userPoolId: tp.userPoolId,
      clientId: tp.clientId,
      tokenUse: 'id',
      graceSeconds: GRACE,
    }),
  };
  aws.access.cacheJwks(tp.jwks() as never);
  aws.id.cacheJwks(tp.jwks() as never);

  test('the corpus has at least 200 tokens', () => {
    assert.ok(cases.length >= 200, `corpus has ${cases.length}`);
  });

  test('we never accept a token aws-jwt-verify refuses; every stricter case is listed', (t) => {
    const looser: string[] = [];
    const unlisted: string[] = [];
    const stricterSeen = new Set<string>();
    const validRefused: string[] = [];
    for (const c of cases) {
      const a = outcome(() => aws[c.use].verifySync(c.token));
      const o = outcome(() => ours.verifySync(c.token, { tokenUse: c.use }));
      if (o.ok && !a.ok) looser.push(`${c.use} / ${c.name}: aws ${a.error}`);
      if (!o.ok && a.ok) {
        stricterSeen.add(c.name);
        if (!(c.name in STRICTER)) unlisted.push(`${c.use} / ${c.name}: ours ${o.error}`);
      }
      if (c.name.startsWith('valid') && !o.ok) validRefused.push(`${c.use} / ${c.name}: ${o.error}`);
    }
    t.diagnostic(`${cases.length} tokens, ${cases.filter((c) => c.name.startsWith('valid')).length} valid`);
    const stale = Object.keys(STRICTER).filter((name) => !stricterSeen.has(name));
    assert.deepEqual(
      { looser, unlisted, validRefused, stale },
      { looser: [], unlisted: [], validRefused: [], stale: [] },
      'looser: we accept, aws refuses; unlisted: stricter but not in STRICTER; stale: listed but not stricter',
    );
  });
});
