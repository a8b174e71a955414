/**
 * The result of a successful verification. The object is frozen but carries a private, mutable
 * memo slot so that `principalFromToken()` builds a principal once per verified token: the
 * verifier's token cache hands the same `VerifiedToken` back for a reused token, so its principal
 * comes back too, with no rebuild and no module-level map.
 */
import type { PoolConfig } from '../config/pool.ts';
import type { CognitoClaims, TokenUse } from './claims.ts';

export interface VerifiedToken {
  readonly claims: Readonly<CognitoClaims>;
  readonly pool: PoolConfig;
  readonly tokenUse: TokenUse;
}

/** Where derived, immutable views of a verified token are memoised (e.g. principals by source). */
export type DerivedMemo = Record<string, unknown>;

/** Frozen after construction; the private memo field is not a property, so freezing does not touch it. */
class VerifiedTokenImpl implements VerifiedToken {
  readonly claims: Readonly<CognitoClaims>;
  readonly pool: PoolConfig;
  readonly tokenUse: TokenUse;
  #memo: DerivedMemo | undefined;

  constructor(claims: Readonly<CognitoClaims>, pool: PoolConfig) {
    this.claims = claims;
    this.pool = pool;
    this.tokenUse = claims.token_use;
    Object.freeze(this);
  }

  static memoOf(value: object): DerivedMemo | undefined {
    if (!(#memo in value)) return undefined;
    const v = value as VerifiedTokenImpl;
    if (v.#memo === undefined) v.#memo = Object.create(null) as DerivedMemo;
    return v.#memo;
  }
}

/** Builds the frozen `VerifiedToken` with its private memo slot. */
export function createVerifiedToken(claims: Readonly<CognitoClaims>, pool: PoolConfig): VerifiedToken {
  return new VerifiedTokenImpl(claims, pool);
}

/** The memo slot of a token made by `createVerifiedToken`, or undefined for a hand-built object. */
export function derivedMemoOf(verified: VerifiedToken): DerivedMemo | undefined {
  return VerifiedTokenImpl.memoOf(verified);
}
