/**
 * The admin API (aws-json.ts carries the protocol), as the AWS SDK v3 client speaks it.
 * Signatures are NOT checked: any credentials work. Dates are epoch seconds. Pagination tokens are opaque cursors over a stable order (creation order for users,
 * name order for groups), so paging a 50,000-user pool costs O(page) per call.
 */
import { attributeList, type Operation, type Params, str } from './aws-json.ts';
import type { Faults } from './faults.ts';
import { ApiError, type EmulatorState, type Group, groupJson, type PoolState, type User } from './state.ts';

const MAX_LIMIT = 60;

type Op = (state: EmulatorState, p: Params, faults: Faults) => unknown;

function limitOf(p: Params): number {
  const v = p['Limit'];
  if (v === undefined || v === null) return MAX_LIMIT;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_LIMIT) {
    throw new ApiError(
      'InvalidParameterException',
      `1 validation error detected: Value '${String(v)}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to ${MAX_LIMIT}`,
    );
  }
  return v;
}

function poolOf(state: EmulatorState, p: Params): PoolState {
  return state.pool(str(p, 'UserPoolId', true));
}

function attrs(user: User, only?: Set<string>): { Name: string; Value: string }[] {
  const out: { Name: string; Value: string }[] = [];
  for (const [Name, Value] of Object.entries(user.attributes))
    if (!only || only.has(Name)) out.push({ Name, Value });
  return out;
}

/** UserType (ListUsers, ListUsersInGroup, AdminCreateUser). */
export function userJson(user: User, only?: Set<string>): Record<string, unknown> {
  return {
    Username: user.username,
    Attributes: attrs(user, only),
    UserCreateDate: user.createdAt / 1000,
    UserLastModifiedDate: user.updatedAt / 1000,
    Enabled: user.enabled,
    UserStatus: user.status,
  };
}

// ---- cursors ----

interface Cursor {
  /** pool id + operation + filter, so a token is not replayed against another listing. */
  k: string;
  /** Next position (user seq, or index into the sorted list). */
  s: number;
  /** Set on the token of an injected empty page. */
  e?: 1;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(token: string | undefined, kind: string): Cursor | undefined {
  if (token === undefined) return undefined;
  try {
    const c = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Cursor;
    if (c.k === kind && Number.isInteger(c.s) && c.s >= 0) return c;
  } catch {
    // fall through
  }
  throw new ApiError('InvalidParameterException', 'Invalid pagination token');
}

// ---- ListUsers filter ----

const SEARCHABLE = new Set([
  'username',
  'email',
  'phone_number',
  'name',
  'given_name',
  'family_name',
  'preferred_username',
  'cognito:user_status',
  'status',
  'sub',
]);

/** Parses `attr = "v"` / `attr ^= "v"`; returns a predicate. */
export function parseFilter(filter: string | undefined): (u: User) => boolean {
  if (filter === undefined || filter.trim() === '') return () => true;
  if (filter.length > 256) throw new ApiError('InvalidParameterException', 'Filter is too long');
  const m = /^\s*([\w:]+)\s*(\^?=)\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(filter);
  if (!m) throw new ApiError('InvalidParameterException', 'Error while parsing filter.');
  const [, name, op, rawValue] = m as unknown as [string, string, string, string];
  if (!SEARCHABLE.has(name))
    throw new ApiError('InvalidParameterException', `Invalid search attribute: ${name}`);
  const value = rawValue.replace(/\\(.)/g, '$1');
  // username and status match case-sensitively; the other attributes ignore case.
  const sensitive = name === 'username' || name === 'status';
  const wanted = sensitive ? value : value.toLowerCase();
  const get = (u: User): string | undefined => {
    if (name === 'username') return u.username;
    if (name === 'status') return u.enabled ? 'Enabled' : 'Disabled';
    if (name === 'cognito:user_status') return u.status;
    return u.attributes[name];
  };
  return (u) => {
    const raw = get(u);
    if (raw === undefined) return false;
    const v = sensitive ? raw : raw.toLowerCase();
    return op === '=' ? v === wanted : v.startsWith(wanted);
  };
}

// ---- operations ----

function listUsers(state: EmulatorState, p: Params, faults: Faults): unknown {
  const pool = poolOf(state, p);
  const limit = limitOf(p);
  const filter = str(p, 'Filter');
  const match = parseFilter(filter);
  const kind = `${pool.userPoolId}|ListUsers|${filter ?? ''}`;
  const cursor = decodeCursor(str(p, 'PaginationToken'), kind);
  const toGet = p['AttributesToGet'];
  const only = Array.isArray(toGet) ? new Set(toGet as string[]) : undefined;
  let seq = cursor?.s ?? 0;
  if (faults.emptyPages && cursor && !cursor.e && seq < pool.seqList.length) {
    return { Users: [], PaginationToken: encodeCursor({ k: kind, s: seq, e: 1 }) };
  }
  const users: Record<string, unknown>[] = [];
  const list = pool.seqList;
  while (seq < list.length && users.length < limit) {
    const u = list[seq++];
    if (u && match(u)) users.push(userJson(u, only));
  }
  // Skip trailing holes/non-matches so the last page carries no token when nothing is left.
  while (seq < list.length) {
    const u = list[seq];
    if (u && match(u)) break;
    seq++;
  }
  const out: Record<string, unknown> = { Users: users };
  if (seq < list.length && limit > 0) out['PaginationToken'] = encodeCursor({ k: kind, s: seq });
  return out;
}

function sortedGroups(pool: PoolState): Group[] {
  return [...pool.groups.values()].sort((a, b) =>
    a.groupName < b.groupName ? -1 : a.groupName > b.groupName ? 1 : 0,
  );
}

function listGroups(state: EmulatorState, p: Params): unknown {
  const pool = poolOf(state, p);
  const limit = limitOf(p);
  const kind = `${pool.userPoolId}|ListGroups`;
  const start = decodeCursor(str(p, 'NextToken'), kind)?.s ?? 0;
  const all = sortedGroups(pool);
  const page = all.slice(start, start + limit);
  const out: Record<string, unknown> = { Groups: page.map((g) => groupJson(pool, g)) };
  if (start + limit < all.length && limit > 0) out['NextToken'] = encodeCursor({ k: kind, s: start + limit });
  return out;
}

function listUsersInGroup(state: EmulatorState, p: Params, faults: Faults): unknown {
  const pool = poolOf(state, p);
  const group = state.getGroup(pool, str(p, 'GroupName', true));
  const limit = limitOf(p);
  const kind = `${pool.userPoolId}|ListUsersInGroup|${group.groupName}`;
  const cursor = decodeCursor(str(p, 'NextToken'), kind);
  const seqs = state.memberSeqs(pool, group);
  const from = cursor?.s ?? 0;
  // First member whose seq >= cursor (binary search): stable under concurrent membership changes.
  let lo = 0;
  let hi = seqs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (seqs[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  if (faults.emptyPages && cursor && !cursor.e && lo < seqs.length) {
    return { Users: [], NextToken: encodeCursor({ k: kind, s: from, e: 1 }) };
  }
  const users: Record<string, unknown>[] = [];
  let i = lo;
  for (; i < seqs.length && users.length < limit; i++) {
    const u = pool.seqList[seqs[i]!];
    if (u) users.push(userJson(u));
  }
  const out: Record<string, unknown> = { Users: users };
  if (i < seqs.length && limit > 0) out['NextToken'] = encodeCursor({ k: kind, s: seqs[i]! });
  return out;
}

function adminListGroupsForUser(state: EmulatorState, p: Params): unknown {
  const pool = poolOf(state, p);
  const user = state.getUser(pool, str(p, 'Username', true));
  const limit = limitOf(p);
  const kind = `${pool.userPoolId}|AdminListGroupsForUser|${user.sub}`;
  const start = decodeCursor(str(p, 'NextToken'), kind)?.s ?? 0;
  const all = [...user.groups].sort().flatMap((n) => {
    const g = pool.groups.get(n);
    return g ? [g] : [];
  });
  const page = all.slice(start, start + limit);
  const out: Record<string, unknown> = { Groups: page.map((g) => groupJson(pool, g)) };
  if (start + limit < all.length && limit > 0) out['NextToken'] = encodeCursor({ k: kind, s: start + limit });
  return out;
}

function groupOptions(p: Params) {
  const precedence = p['Precedence'];
  if (precedence !== undefined && precedence !== null && (typeof precedence !== 'number' || precedence < 0)) {
    throw new ApiError('InvalidParameterException', 'Precedence must be a non-negative integer');
  }
  return {
    description: str(p, 'Description'),
    precedence: (precedence as number | undefined) ?? undefined,
    roleArn: str(p, 'RoleArn'),
  };
}

const OPERATIONS: Record<string, Op> = {
  AdminCreateUser(state, p) {
    const pool = poolOf(state, p);
    const username = str(p, 'Username', true);
    if (str(p, 'MessageAction') === 'RESEND') return { User: userJson(state.getUser(pool, username)) };
    const user = state.adminCreateUser(
      pool,
      username,
      attributeList(p, 'UserAttributes'),
      str(p, 'TemporaryPassword'),
    );
    return { User: userJson(user) };
  },
  AdminGetUser(state, p) {
    const pool = poolOf(state, p);
    const user = state.getUser(pool, str(p, 'Username', true));
    return {
      Username: user.username,
      UserAttributes: attrs(user),
      UserCreateDate: user.createdAt / 1000,
      UserLastModifiedDate: user.updatedAt / 1000,
      Enabled: user.enabled,
      UserStatus: user.status,
    };
  },
  AdminUpdateUserAttributes(state, p) {
    const pool = poolOf(state, p);
    const user = state.getUser(pool, str(p, 'Username', true));
    state.updateAttributes(pool, user, attributeList(p, 'UserAttributes'));
    return {};
  },
  AdminDeleteUserAttributes(state, p) {
    const pool = poolOf(state, p);
    const user = state.getUser(pool, str(p, 'Username', true));
    const names = p['UserAttributeNames'];
    if (!Array.isArray(names))
      throw new ApiError('InvalidParameterException', 'UserAttributeNames must be a list');
    state.deleteUserAttributes(pool, user, names as string[]);
    return {};
  },
  AdminDeleteUser(state, p) {
    const pool = poolOf(state, p);
    state.deleteUser(pool, state.getUser(pool, str(p, 'Username', true)));
    return {};
  },
  AdminDisableUser(state, p) {
    const pool = poolOf(state, p);
    state.setEnabled(pool, state.getUser(pool, str(p, 'Username', true)), false);
    return {};
  },
  AdminEnableUser(state, p) {
    const pool = poolOf(state, p);
    state.setEnabled(pool, state.getUser(pool, str(p, 'Username', true)), true);
    return {};
  },
  AdminSetUserPassword(state, p) {
    const pool = poolOf(state, p);
    const user = state.getUser(pool, str(p, 'Username', true));
    state.setPassword(pool, user, str(p, 'Password', true), p['Permanent'] === true);
    return {};
  },
  AdminConfirmSignUp(state, p) {
    const pool = poolOf(state, p);
    const user = state.getUser(pool, str(p, 'Username', true));
    if (user.status !== 'UNCONFIRMED') {
      throw new ApiError(
        'NotAuthorizedException',
        `User cannot be confirmed. Current status is ${user.status}`,
      );
    }
    user.status = 'CONFIRMED';
    user.updatedAt = state.now();
    state.version++;
    state.fire('PostConfirmation_ConfirmSignUp', pool, user, {});
    return {};
  },
  AdminUserGlobalSignOut(state, p) {
    const pool = poolOf(state, p);
    state.revokeUserTokens(state.getUser(pool, str(p, 'Username', true)).sub);
    return {};
  },
  AdminAddUserToGroup(state, p) {
    const pool = poolOf(state, p);
    const group = state.getGroup(pool, str(p, 'GroupName', true));
    state.addToGroup(pool, state.getUser(pool, str(p, 'Username', true)), group);
    return {};
  },
  AdminRemoveUserFromGroup(state, p) {
    const pool = poolOf(state, p);
    const group = state.getGroup(pool, str(p, 'GroupName', true));
    state.removeFromGroup(pool, state.getUser(pool, str(p, 'Username', true)), group);
    return {};
  },
  AdminListGroupsForUser: adminListGroupsForUser,
  CreateGroup(state, p) {
    const pool = poolOf(state, p);
    return { Group: groupJson(pool, state.createGroup(pool, str(p, 'GroupName', true), groupOptions(p))) };
  },
  GetGroup(state, p) {
    const pool = poolOf(state, p);
    return { Group: groupJson(pool, state.getGroup(pool, str(p, 'GroupName', true))) };
  },
  UpdateGroup(state, p) {
    const pool = poolOf(state, p);
    const group = state.getGroup(pool, str(p, 'GroupName', true));
    const o = groupOptions(p);
    if (o.description !== undefined) group.description = o.description;
    if (o.precedence !== undefined) group.precedence = o.precedence;
    if (o.roleArn !== undefined) group.roleArn = o.roleArn;
    group.updatedAt = state.now();
    state.version++;
    state.fire('Emulator_UpdateGroup', pool, undefined, { group: groupJson(pool, group) });
    return { Group: groupJson(pool, group) };
  },
  DeleteGroup(state, p) {
    const pool = poolOf(state, p);
    state.deleteGroup(pool, state.getGroup(pool, str(p, 'GroupName', true)));
    return {};
  },
  ListUsers: listUsers,
  ListGroups: listGroups,
  ListUsersInGroup: listUsersInGroup,
  DescribeUserPoolClient(state, p) {
    const pool = poolOf(state, p);
    const clientId = str(p, 'ClientId', true);
    const client = pool.clients.get(clientId);
    if (!client)
      throw new ApiError('ResourceNotFoundException', `User pool client ${clientId} does not exist.`);
    return {
      UserPoolClient: {
        UserPoolId: pool.userPoolId,
        ClientId: client.clientId,
        ClientName: client.clientName,
        ...(client.clientSecret === undefined ? {} : { ClientSecret: client.clientSecret }),
        CallbackURLs: [...client.callbackUrls],
        LogoutURLs: [...client.logoutUrls],
        AllowedOAuthFlows: [...client.allowedOAuthFlows],
        AllowedOAuthScopes: [...client.allowedOAuthScopes],
        AllowedOAuthFlowsUserPoolClient: client.allowedOAuthFlows.length > 0,
        EnableTokenRevocation: client.enableTokenRevocation,
        ExplicitAuthFlows: [...client.explicitAuthFlows],
        PreventUserExistenceErrors: client.preventUserExistenceErrors ? 'ENABLED' : 'LEGACY',
        SupportedIdentityProviders: ['COGNITO'],
        IdTokenValidity: client.idTokenValiditySeconds,
        AccessTokenValidity: client.accessTokenValiditySeconds,
        RefreshTokenValidity: client.refreshTokenValiditySeconds,
        TokenValidityUnits: { IdToken: 'seconds', AccessToken: 'seconds', RefreshToken: 'seconds' },
      },
    };
  },
  DescribeUserPool(state, p) {
    const pool = poolOf(state, p);
    return {
      UserPool: {
        Id: pool.userPoolId,
        Name: pool.name,
        Arn: `arn:aws:cognito-idp:${pool.region}:000000000000:userpool/${pool.userPoolId}`,
        EstimatedNumberOfUsers: pool.users.size,
        UsernameConfiguration: { CaseSensitive: !pool.caseInsensitive },
      },
    };
  },
};

/** Operation names the emulator implements. */
export const ADMIN_OPERATIONS = Object.freeze(Object.keys(OPERATIONS));

/** The admin operations bound to a state (the throttle fault applies to them only). */
export function adminOperation(state: EmulatorState, faults: Faults, op: string): Operation | undefined {
  const fn = Object.hasOwn(OPERATIONS, op) ? OPERATIONS[op] : undefined;
  if (!fn) return undefined;
  return (p) => {
    if (faults.adminThrottle > 0) {
      faults.adminThrottle--;
      throw new ApiError('TooManyRequestsException', 'Too many requests');
    }
    return fn(state, p, faults);
  };
}
