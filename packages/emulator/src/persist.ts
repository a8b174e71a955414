/**
 * Optional persistence: the state file (users, groups, clients, refresh tokens, all by value or
 * hash) and the key file (private JWKs, so tokens stay verifiable across restarts). Files are
 * written atomically (temp file + rename) with mode 0600.
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { type StoredKey, storeKey } from './keys.ts';
import type { SrpRecord } from './passwords.ts';
import { readJsonFile, type SeedPool } from './seed.ts';
import type { EmulatorState, RefreshRecord } from './state.ts';

interface StateFile {
  format: 'cognito-code-grant-emulator/state@1';
  pools: (SeedPool & {
    users: (NonNullable<SeedPool['users']>[number] & {
      passwordHash?: string;
      srp?: SrpRecord;
      createdAt: number;
      updatedAt: number;
    })[];
    groupTimes: Record<string, [number, number]>;
  })[];
  refreshTokens: [string, RefreshRecord][];
  revokedOrigins: string[];
}

interface KeyFile {
  format: 'cognito-code-grant-emulator/keys@1';
  pools: Record<string, StoredKey[]>;
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}

export function saveState(state: EmulatorState, path: string): void {
  const file: StateFile = {
    format: 'cognito-code-grant-emulator/state@1',
    pools: [...state.pools.values()].map((pool) => ({
      userPoolId: pool.userPoolId,
      region: pool.region,
      name: pool.name,
      usernameCaseInsensitive: pool.caseInsensitive,
      passwordPolicy: pool.passwordPolicy,
      autoVerifiedAttributes: pool.autoVerifiedAttributes as ('email' | 'phone_number')[],
      adminCreateUserOnly: pool.adminCreateUserOnly,
      resourceServers: pool.resourceServers.map((r) => ({
        identifier: r.identifier,
        name: r.name,
        scopes: r.scopes.map((scopeName) => ({ scopeName })),
      })),
      clients: [...pool.clients.values()],
      groups: [...pool.groups.values()].map((g) => ({
        groupName: g.groupName,
        description: g.description,
        precedence: g.precedence,
        roleArn: g.roleArn,
      })),
      groupTimes: Object.fromEntries(
        [...pool.groups.values()].map((g) => [g.groupName, [g.createdAt, g.updatedAt]]),
      ),
      users: pool.seqList.flatMap((u) =>
        u
          ? [
              {
                username: u.username,
                sub: u.sub,
                attributes: u.attributes,
                groups: [...u.groups],
                enabled: u.enabled,
                status: u.status,
                passwordHash: u.passwordHash,
                srp: u.srp,
                createdAt: u.createdAt,
                updatedAt: u.updatedAt,
              },
            ]
          : [],
      ),
    })),
    refreshTokens: [...state.refreshTokens.entries()],
    revokedOrigins: [...state.revokedOrigins],
  };
  writeAtomic(path, JSON.stringify(file));
}

/** Loads a state file into an empty state; false when the file does not exist. */
export function loadState(state: EmulatorState, path: string): boolean {
  if (!existsSync(path)) return false;
  const file = readJsonFile(path, 'state file') as StateFile;
  if (file.format !== 'cognito-code-grant-emulator/state@1')
    throw new TypeError(`${path}: not an emulator state file`);
  for (const p of file.pools) {
    const pool = state.addPool({ ...p, users: [] });
    for (const [name, [created, updated]] of Object.entries(p.groupTimes ?? {})) {
      const g = pool.groups.get(name);
      if (g) Object.assign(g, { createdAt: created, updatedAt: updated });
    }
    for (const u of p.users) state.restoreUser(pool, u);
  }
  for (const [hash, rec] of file.refreshTokens) state.addRefresh(hash, rec);
  for (const o of file.revokedOrigins) state.revokedOrigins.add(o);
  return true;
}

export function loadKeyFile(path: string): Map<string, StoredKey[]> | undefined {
  if (!existsSync(path)) return undefined;
  const file = readJsonFile(path, 'key file') as KeyFile;
  if (file.format !== 'cognito-code-grant-emulator/keys@1')
    throw new TypeError(`${path}: not an emulator key file`);
  return new Map(Object.entries(file.pools));
}

export function saveKeyFile(state: EmulatorState, path: string): void {
  const file: KeyFile = {
    format: 'cognito-code-grant-emulator/keys@1',
    pools: Object.fromEntries([...state.pools.values()].map((p) => [p.userPoolId, p.keys.map(storeKey)])),
  };
  writeAtomic(path, JSON.stringify(file, null, 2));
}
