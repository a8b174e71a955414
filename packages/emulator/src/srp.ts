/**
 * The server side of Cognito's SRP-6a (USER_SRP_AUTH), byte-compatible with what
 * amazon-cognito-identity-js and Amplify compute on the client:
 *
 * - the 3072-bit group of RFC 5054 (appendix A), g = 2;
 * - integers are hashed as "padded hex": even length, with a `00` byte in front when the top bit
 *   is set (a two's-complement positive number), so k = H(00‖N ‖ 02), u = H(pad(A) ‖ pad(B));
 * - x = H(pad(salt) ‖ H(poolName ‖ userIdForSrp ‖ ":" ‖ password)), v = g^x;
 * - the key is HKDF-SHA256(ikm = pad(S), salt = pad(u), info = "Caldera Derived Key"), 16 bytes;
 * - the client proves it with HMAC-SHA256(key, poolName ‖ userId ‖ secretBlock ‖ timestamp),
 *   the timestamp in Cognito's `EEE MMM d HH:mm:ss UTC yyyy` format (day not zero-padded).
 *
 * `poolName` is the part of the user pool id after the underscore.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const N_HEX =
  'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
  'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
  'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F' +
  '83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
  'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510' +
  '15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
  'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C' +
  'BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF';

export const N = BigInt(`0x${N_HEX}`);
export const g = 2n;

/** Hex of a non-negative integer as Cognito's clients hash it (see the module comment). */
export function padHex(n: bigint): string {
  if (n < 0n) throw new RangeError('padHex: negative');
  let hex = n.toString(16);
  if (hex.length % 2 !== 0) hex = `0${hex}`;
  return /^[89a-f]/i.test(hex) ? `00${hex}` : hex;
}

function sha256(data: Buffer | string): Buffer {
  return createHash('sha256').update(data).digest();
}

/** SHA-256 over the bytes a hex string spells, as hex (64 chars). */
function hexHash(hex: string): string {
  return sha256(Buffer.from(hex, 'hex')).toString('hex');
}

export const k = BigInt(`0x${hexHash(padHex(N) + padHex(g))}`);

export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = ((base % modulus) + modulus) % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

/** `us-east-1_Abc123` -> `Abc123`. */
export function poolNameOf(userPoolId: string): string {
  return userPoolId.slice(userPoolId.indexOf('_') + 1);
}

/**
 * The password-dependent part of x: hex SHA-256 of `poolName + userIdForSrp + ":" + password`.
 * The emulator keeps this (with a salt) instead of the password: enough to compute the verifier
 * when a client asks, cheap at seed time. It is password-equivalent, as the emulator's README warns.
 */
export function srpPasswordHash(userPoolId: string, userIdForSrp: string, password: string): string {
  return sha256(`${poolNameOf(userPoolId)}${userIdForSrp}:${password}`).toString('hex');
}

/** v = g^x mod N with x = H(pad(salt) ‖ passwordHash). `saltHex` as sent in the SALT parameter. */
export function verifierOf(saltHex: string, passwordHashHex: string): bigint {
  const x = BigInt(`0x${hexHash(padHex(BigInt(`0x${saltHex}`)) + passwordHashHex)}`);
  return modPow(g, x, N);
}

export function newSalt(): string {
  return randomBytes(16).toString('hex');
}

/** The server's ephemeral pair: b random, B = k·v + g^b mod N (never 0 mod N). */
export function serverEphemeral(v: bigint): { b: bigint; B: bigint } {
  for (;;) {
    const b = BigInt(`0x${randomBytes(32).toString('hex')}`);
    const B = (k * v + modPow(g, b, N)) % N;
    if (B !== 0n) return { b, B };
  }
}

/** Parses SRP_A (hex); undefined when it is not hex or A mod N = 0 (SRP-6a's safety check). */
export function parseA(hex: string): bigint | undefined {
  if (!/^[0-9a-fA-F]{1,1024}$/.test(hex)) return undefined;
  const A = BigInt(`0x${hex}`);
  return A % N === 0n ? undefined : A;
}

/** The 16-byte key both sides derive: HKDF(pad(S), salt = pad(u), "Caldera Derived Key"). */
export function passwordAuthenticationKey(A: bigint, B: bigint, b: bigint, v: bigint): Buffer {
  const u = BigInt(`0x${hexHash(padHex(A) + padHex(B))}`);
  const S = modPow((A * modPow(v, u, N)) % N, b, N);
  const prk = createHmac('sha256', Buffer.from(padHex(u), 'hex'))
    .update(Buffer.from(padHex(S), 'hex'))
    .digest();
  return createHmac('sha256', prk)
    .update(Buffer.concat([Buffer.from('Caldera Derived Key', 'utf8'), Buffer.from([1])]))
    .digest()
    .subarray(0, 16);
}

/** Base64 HMAC-SHA256(key, poolName ‖ userId ‖ secretBlock bytes ‖ timestamp). */
export function claimSignature(
  key: Buffer,
  userPoolId: string,
  userIdForSrp: string,
  secretBlockBase64: string,
  timestamp: string,
): string {
  return createHmac('sha256', key)
    .update(
      Buffer.concat([
        Buffer.from(poolNameOf(userPoolId), 'utf8'),
        Buffer.from(userIdForSrp, 'utf8'),
        Buffer.from(secretBlockBase64, 'base64'),
        Buffer.from(timestamp, 'utf8'),
      ]),
    )
    .digest('base64');
}

export function signatureMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Cognito's TIMESTAMP: `Tue Mar 5 09:07:03 UTC 2024` (day unpadded, time padded). */
export function cognitoTimestamp(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()} ${two(
    date.getUTCHours(),
  )}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} UTC ${date.getUTCFullYear()}`;
}

const TIMESTAMP =
  /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):([0-5]\d):([0-5]\d) UTC (\d{4})$/;

/** Epoch ms of a TIMESTAMP in Cognito's format (weekday must agree); undefined when malformed. */
export function parseCognitoTimestamp(text: string): number | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [, day, month, d, hh, mm, ss, yyyy] = m as unknown as string[];
  const ms = Date.UTC(Number(yyyy), MONTHS.indexOf(month!), Number(d), Number(hh), Number(mm), Number(ss));
  const date = new Date(ms);
  if (date.getUTCDate() !== Number(d) || DAYS[date.getUTCDay()] !== day) return undefined;
  return ms;
}
