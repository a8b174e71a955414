/**
 * In-memory state of every pool: clients, users, groups, memberships, authorization codes,
 * refresh tokens and hosted-login sessions. Admin operations live here so the admin API, the
 * login page and tests change state the same way (and emit the same trigger events). Groups and
 * memberships: state-groups.ts (the base class); the data model: model.ts.
 *
 * Scale: users sit in a map by (normalised) username, an index by `sub`, and an append-only
 * sequence array (deleted slots become holes) that gives ListUsers a stable order and O(page)
 * cursors for pools of tens of thousands of users.
 */
import { randomUUID } from 'node:crypto';
import { ApiError } from './api-error.ts';
import { checkAttributeName } from './attributes.ts';
import { digest } from './digest.ts';
import { GroupState } from './state-groups.ts';
import {
  attrString,
  type Client,
  type HostedSession,
  normaliseClient,
  type PoolState,
  type RefreshRecord,
  type AuthCode,
  type StateEvent,
  type User,
} from './model.ts';
import { checkPasswordPolicy, DEFAULT_PASSWORD_POLICY, passwordRecord, type SrpRecord } from './passwords.ts';
import { regionOf, type SeedFile, type SeedPool, type SeedUser } from './seed.ts';

export { ApiError, digest };
export type {
  AuthCode,
  Client,
  Group,
  HostedSession,
  PoolState,
  RefreshRecord,
  ResourceServer,
  StateEvent,
  User,
} from './model.ts';
export { groupJson } from './model.ts';

export class EmulatorState extends GroupState {
  readonly pools = new Map<string, PoolState>();
  /** clientId -> pool (client ids are unique across pools). */
  readonly clientPool = new Map<string, PoolState>();
  /** By digest(code). */
  readonly codes = new Map<string, AuthCode>();
  /** By digest(refresh token). */
  readonly refreshTokens = new Map<string, RefreshRecord>();
  /** sub -> digests of that user's refresh tokens (for disable/delete). */
  readonly refreshBySub = new Map<string, Set<string>>();
  /** origin_jti values whose tokens were revoked (userInfo refuses them). */
  readonly revokedOrigins = new Set<string>();
  /** By digest(session id). */
  readonly sessions = new Map<string, HostedSession>();
  /** Bumped on every change; persistence writes when it moved. */
  version = 0;

  constructor(
    readonly now: () => number,
    private readonly emit: (event: StateEvent) => void = () => {},
  ) {
    super();
  }

  // ---- pools and clients ----

  loadSeed(seed: SeedFile): void {
    for (const p of seed.pools) this.addPool(p);
  }

  addPool(p: SeedPool): PoolState {
    if (this.pools.has(p.userPoolId)) throw new TypeError(`duplicate pool ${p.userPoolId}`);
    const pool: PoolState = {
      userPoolId: p.userPoolId,
      region: p.region ?? regionOf(p.userPoolId),
      name: p.name ?? p.userPoolId,
      caseInsensitive: p.usernameCaseInsensitive ?? true,
      passwordPolicy: { ...DEFAULT_PASSWORD_POLICY, ...p.passwordPolicy },
      autoVerifiedAttributes: [...(p.autoVerifiedAttributes ?? ['email'])],
      adminCreateUserOnly: p.adminCreateUserOnly ?? false,
      resourceServers: (p.resourceServers ?? []).map((r) => ({
        identifier: r.identifier,
        name: r.name ?? r.identifier,
        scopes: r.scopes.map((s) => s.scopeName),
      })),
      clients: new Map(),
      groups: new Map(),
      users: new Map(),
      bySub: new Map(),
      seqList: [],
      keys: [],
    };
    this.pools.set(pool.userPoolId, pool);
    for (const c of p.clients ?? []) {
      const client = normaliseClient(c);
      pool.clients.set(client.clientId, client);
      this.clientPool.set(client.clientId, pool);
    }
    for (const g of p.groups ?? []) {
      this.createGroup(
        pool,
        g.groupName,
        { description: g.description, precedence: g.precedence, roleArn: g.roleArn },
        true,
      );
    }
    for (const u of p.users ?? []) this.seedUser(pool, u);
    return pool;
  }

  pool(poolId: string): PoolState {
    const pool = this.pools.get(poolId);
    if (!pool) throw new ApiError('ResourceNotFoundException', `User pool ${poolId} does not exist.`);
    return pool;
  }

  client(clientId: string): { pool: PoolState; client: Client } | undefined {
    const pool = this.clientPool.get(clientId);
    const client = pool?.clients.get(clientId);
    return pool && client ? { pool, client } : undefined;
  }

  // ---- users ----

  userKey(pool: PoolState, username: string): string {
    return pool.caseInsensitive ? username.toLowerCase() : username;
  }

  /** Finds by username, then by `sub` (Cognito accepts either as `Username`). */
  findUser(pool: PoolState, name: string): User | undefined {
    return pool.users.get(this.userKey(pool, name)) ?? pool.bySub.get(name);
  }

  getUser(pool: PoolState, name: string): User {
    const user = this.findUser(pool, name);
    if (!user) throw new ApiError('UserNotFoundException', 'User does not exist.');
    return user;
  }

  /** Sign-in lookup: username, or a unique verified-or-not email (email as alias). */
  findForSignIn(pool: PoolState, name: string): User | undefined {
    const direct = pool.users.get(this.userKey(pool, name));
    if (direct) return direct;
    if (!name.includes('@')) return undefined;
    const lower = name.toLowerCase();
    let found: User | undefined;
    for (const u of pool.users.values()) {
      if (u.attributes['email']?.toLowerCase() === lower) {
        if (found) return undefined;
        found = u;
      }
    }
    return found;
  }

  /** Restores a persisted user (no triggers, timestamps and hash kept). */
  restoreUser(
    pool: PoolState,
    u: SeedUser & {
      passwordHash?: string | undefined;
      srp?: SrpRecord | undefined;
      createdAt: number;
      updatedAt: number;
    },
  ): void {
    this.seedUser(pool, { ...u, password: undefined, status: u.status ?? 'CONFIRMED' });
    const user = pool.bySub.get(u.sub ?? '')!;
    Object.assign(user, {
      passwordHash: u.passwordHash,
      srp: u.srp,
      createdAt: u.createdAt,
      updatedAt: u.updatedAt,
    });
  }

  private seedUser(pool: PoolState, u: SeedUser): void {
    const user = this.insertUser(pool, u.username, u.attributes ?? {}, u.sub);
    if (u.password) this.storePassword(pool, user, u.password);
    user.status = u.status ?? (u.password ? 'CONFIRMED' : 'FORCE_CHANGE_PASSWORD');
    user.enabled = u.enabled ?? true;
    for (const g of u.groups ?? []) {
      const group = pool.groups.get(g);
      if (!group) throw new TypeError(`seed: user ${u.username} in unknown group ${g}`);
      this.linkMembership(user, group);
    }
  }

  /** Stores both forms of a password (no policy check: callers check). */
  storePassword(pool: PoolState, user: User, password: string): void {
    Object.assign(user, passwordRecord(pool.userPoolId, user.username, password));
  }

  /** A new user (FORCE_CHANGE_PASSWORD, no password, no trigger); callers set the rest. */
  insertUser(
    pool: PoolState,
    username: string,
    attributes: Record<string, string | boolean | number>,
    sub?: string,
  ): User {
    if (!username || username.length > 128 || /\s/.test(username)) {
      throw new ApiError('InvalidParameterException', 'Invalid username');
    }
    const key = this.userKey(pool, username);
    if (pool.users.has(key)) throw new ApiError('UsernameExistsException', 'User account already exists');
    const id = sub ?? attributes['sub']?.toString() ?? randomUUID();
    if (pool.bySub.has(id)) throw new ApiError('UsernameExistsException', 'User account already exists');
    const now = this.now();
    const attrs: Record<string, string> = { sub: id };
    for (const [k, v] of Object.entries(attributes)) if (k !== 'sub') attrs[k] = attrString(v);
    const user: User = {
      username,
      sub: id,
      passwordHash: undefined,
      srp: undefined,
      attributes: attrs,
      enabled: true,
      status: 'FORCE_CHANGE_PASSWORD',
      createdAt: now,
      updatedAt: now,
      groups: new Set(),
      seq: pool.seqList.length,
    };
    pool.users.set(key, user);
    pool.bySub.set(id, user);
    pool.seqList.push(user);
    this.version++;
    return user;
  }

  adminCreateUser(
    pool: PoolState,
    username: string,
    attributes: Record<string, string>,
    temporaryPassword: string | undefined,
  ): User {
    for (const name of Object.keys(attributes)) checkAttributeName(name, true);
    if (temporaryPassword !== undefined) checkPasswordPolicy(temporaryPassword, pool.passwordPolicy);
    const user = this.insertUser(pool, username, attributes);
    // Without a temporary password Cognito e-mails a generated one; nobody can know it here, so the
    // user cannot sign in until AdminSetUserPassword.
    if (temporaryPassword !== undefined) this.storePassword(pool, user, temporaryPassword);
    this.fire('Emulator_AdminCreateUser', pool, user, {});
    return user;
  }

  updateAttributes(
    pool: PoolState,
    user: User,
    attributes: Record<string, string>,
    source = 'Emulator_AdminUpdateUserAttributes',
  ): void {
    for (const [k, v] of Object.entries(attributes)) {
      checkAttributeName(k, false);
      user.attributes[k] = v;
    }
    user.updatedAt = this.now();
    this.version++;
    this.fire(source, pool, user, {});
  }

  deleteUserAttributes(
    pool: PoolState,
    user: User,
    names: string[],
    source = 'Emulator_AdminDeleteUserAttributes',
  ): void {
    for (const k of names) {
      checkAttributeName(k, false);
      delete user.attributes[k];
    }
    user.updatedAt = this.now();
    this.version++;
    this.fire(source, pool, user, {});
  }

  setEnabled(pool: PoolState, user: User, enabled: boolean): void {
    if (user.enabled !== enabled) {
      user.enabled = enabled;
      user.updatedAt = this.now();
      this.version++;
    }
    // Cognito signs a disabled user out everywhere: refresh tokens die with it.
    if (!enabled) this.revokeUserTokens(user.sub);
    this.fire(enabled ? 'Emulator_AdminEnableUser' : 'Emulator_AdminDisableUser', pool, user, {});
  }

  setPassword(pool: PoolState, user: User, password: string, permanent: boolean): void {
    checkPasswordPolicy(password, pool.passwordPolicy);
    this.storePassword(pool, user, password);
    const wasConfirmed = user.status === 'CONFIRMED';
    user.status = permanent ? 'CONFIRMED' : 'FORCE_CHANGE_PASSWORD';
    user.updatedAt = this.now();
    this.version++;
    if (permanent && !wasConfirmed) this.fire('PostConfirmation_ConfirmSignUp', pool, user, {});
  }

  /** Hosted-login new-password step of a FORCE_CHANGE_PASSWORD user. */
  completeNewPassword(pool: PoolState, user: User, password: string, clientId: string): void {
    checkPasswordPolicy(password, pool.passwordPolicy);
    this.storePassword(pool, user, password);
    user.status = 'CONFIRMED';
    user.updatedAt = this.now();
    this.version++;
    this.fire('PostConfirmation_ConfirmSignUp', pool, user, {}, clientId);
  }

  deleteUser(pool: PoolState, user: User, source = 'Emulator_AdminDeleteUser'): void {
    for (const g of user.groups) {
      const group = pool.groups.get(g);
      if (group) {
        group.members.delete(user.username);
        group.sortedSeqs = undefined;
      }
    }
    pool.users.delete(this.userKey(pool, user.username));
    pool.bySub.delete(user.sub);
    pool.seqList[user.seq] = undefined;
    this.revokeUserTokens(user.sub);
    for (const [id, s] of this.sessions) if (s.sub === user.sub) this.sessions.delete(id);
    this.version++;
    this.fire(source, pool, user, {});
  }

  // ---- tokens and sessions ----

  revokeUserTokens(sub: string): void {
    const set = this.refreshBySub.get(sub);
    if (!set) return;
    for (const h of set) {
      const rec = this.refreshTokens.get(h);
      if (rec) {
        rec.revoked = true;
        this.revokedOrigins.add(rec.originJti);
      }
    }
    this.version++;
  }

  addRefresh(hash: string, rec: RefreshRecord): void {
    this.refreshTokens.set(hash, rec);
    let set = this.refreshBySub.get(rec.sub);
    if (!set) {
      set = new Set();
      this.refreshBySub.set(rec.sub, set);
    }
    set.add(hash);
    this.version++;
  }

  private lastSweep = 0;

  /** Drops expired codes, sessions and refresh tokens; at most once a minute (called per request). */
  sweep(): void {
    const now = this.now();
    if (now - this.lastSweep < 60_000 && now >= this.lastSweep) return;
    this.lastSweep = now;
    for (const [k, c] of this.codes) if (c.expiresAt <= now) this.codes.delete(k);
    for (const [k, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(k);
    for (const [k, r] of this.refreshTokens) {
      if (r.expiresAt <= now) {
        this.refreshTokens.delete(k);
        this.refreshBySub.get(r.sub)?.delete(k);
      }
    }
  }

  fire(
    triggerSource: string,
    pool: PoolState,
    user: User | undefined,
    request: Record<string, unknown>,
    clientId?: string,
  ): void {
    this.emit({ triggerSource, pool, user, userName: user?.username, clientId, request });
  }

  /** An event about a user who does not exist yet (pre sign-up): attributes go in `request`. */
  fireBefore(
    triggerSource: string,
    pool: PoolState,
    userName: string,
    request: Record<string, unknown>,
    clientId: string,
  ): void {
    this.emit({ triggerSource, pool, user: undefined, userName, clientId, request });
  }
}
