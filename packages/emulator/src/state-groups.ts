/**
 * Groups and memberships of the emulator's state (EmulatorState extends this): create, update,
 * delete, membership changes with their events, `cognito:groups` order, and the sorted member
 * list ListUsersInGroup pages through.
 */
import { ApiError } from './api-error.ts';
import { type Group, groupJson, type PoolState, type User } from './model.ts';

export abstract class GroupState {
  abstract version: number;
  abstract readonly now: () => number;
  abstract findUser(pool: PoolState, name: string): User | undefined;
  abstract fire(
    triggerSource: string,
    pool: PoolState,
    user: User | undefined,
    request: Record<string, unknown>,
    clientId?: string,
  ): void;

  createGroup(
    pool: PoolState,
    groupName: string,
    opts: { description?: string | undefined; precedence?: number | undefined; roleArn?: string | undefined },
    quiet = false,
  ): Group {
    if (!groupName || groupName.length > 128 || /[\s]/.test(groupName)) {
      throw new ApiError('InvalidParameterException', 'Invalid group name');
    }
    if (pool.groups.has(groupName))
      throw new ApiError('GroupExistsException', 'A group with the name already exists.');
    const now = this.now();
    const group: Group = {
      groupName,
      description: opts.description,
      precedence: opts.precedence,
      roleArn: opts.roleArn,
      createdAt: now,
      updatedAt: now,
      members: new Set(),
      sortedSeqs: undefined,
    };
    pool.groups.set(groupName, group);
    this.version++;
    if (!quiet) this.fire('Emulator_CreateGroup', pool, undefined, { group: groupJson(pool, group) });
    return group;
  }

  getGroup(pool: PoolState, groupName: string): Group {
    const group = pool.groups.get(groupName);
    if (!group) throw new ApiError('ResourceNotFoundException', 'Group not found.');
    return group;
  }

  deleteGroup(pool: PoolState, group: Group): void {
    for (const name of group.members) this.findUser(pool, name)?.groups.delete(group.groupName);
    pool.groups.delete(group.groupName);
    this.version++;
    this.fire('Emulator_DeleteGroup', pool, undefined, { group: groupJson(pool, group) });
  }

  protected linkMembership(user: User, group: Group): boolean {
    if (user.groups.has(group.groupName)) return false;
    user.groups.add(group.groupName);
    group.members.add(user.username);
    group.sortedSeqs = undefined;
    this.version++;
    return true;
  }

  addToGroup(pool: PoolState, user: User, group: Group): void {
    this.linkMembership(user, group);
    this.fire('Emulator_AdminAddUserToGroup', pool, user, { groupName: group.groupName });
  }

  removeFromGroup(pool: PoolState, user: User, group: Group): void {
    user.groups.delete(group.groupName);
    group.members.delete(user.username);
    group.sortedSeqs = undefined;
    this.version++;
    this.fire('Emulator_AdminRemoveUserFromGroup', pool, user, { groupName: group.groupName });
  }

  /** The user's group names for `cognito:groups`: by precedence (lowest first), then name. */
  groupsOf(pool: PoolState, user: User): string[] {
    return [...user.groups].sort((a, b) => {
      const pa = pool.groups.get(a)?.precedence ?? Number.MAX_SAFE_INTEGER;
      const pb = pool.groups.get(b)?.precedence ?? Number.MAX_SAFE_INTEGER;
      return pa - pb || (a < b ? -1 : a > b ? 1 : 0);
    });
  }

  memberSeqs(pool: PoolState, group: Group): number[] {
    if (!group.sortedSeqs) {
      const seqs: number[] = [];
      for (const name of group.members) {
        const u = this.findUser(pool, name);
        if (u) seqs.push(u.seq);
      }
      group.sortedSeqs = seqs.sort((a, b) => a - b);
    }
    return group.sortedSeqs;
  }
}
