/**
 * The example app's user and group replica stays equal to the emulator (the source of truth)
 * through real logins, trigger events, console-style admin changes and a full sync; and a sync
 * repairs what the webhook missed. SQLite always; PostgreSQL and MariaDB when TEST_POSTGRES_URL /
 * TEST_MYSQL_URL are set (each run creates and drops its own database).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  ListGroupsCommand,
  ListUsersCommand,
  ListUsersInGroupCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { createReplica } from 'cognito-code-grant/kysely';
import { syncPool } from 'cognito-code-grant/sync';
import { DEMO_CLIENTS, DEMO_PASSWORD } from 'cognito-code-grant-emulator';
import { type RunningDemo, startDemo } from '../src/demo.ts';
import { databaseTargets, passwordLogin } from './helpers.ts';

const targets = databaseTargets('articles_replica');

function attr(user: UserType, name: string): string | null {
  return user.Attributes?.find((a) => a.Name === name)?.Value ?? null;
}

/** Every user of the pool, through every ListUsers page (small pages, so paging is exercised). */
async function emulatorUsers(client: CognitoIdentityProviderClient, poolId: string): Promise<UserType[]> {
  const users: UserType[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListUsersCommand({ UserPoolId: poolId, Limit: 2, PaginationToken: token }),
    );
    users.push(...(page.Users ?? []));
    token = page.PaginationToken;
  } while (token);
  return users;
}

async function emulatorGroups(client: CognitoIdentityProviderClient, poolId: string): Promise<string[]> {
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListGroupsCommand({ UserPoolId: poolId, Limit: 2, NextToken: token }));
    for (const g of page.Groups ?? []) names.push(g.GroupName!);
    token = page.NextToken;
  } while (token);
  return names.sort();
}

async function emulatorMembers(
  client: CognitoIdentityProviderClient,
  poolId: string,
  group: string,
): Promise<string[]> {
  const subs: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: group, Limit: 2, NextToken: token }),
    );
    for (const u of page.Users ?? []) subs.push(attr(u, 'sub')!);
    token = page.NextToken;
  } while (token);
  return subs.sort();
}

/**
 * Asserts the replica equals the emulator: the same live users (by sub) with the same username,
 * email, enabled flag and status; every sub in `deletedSubs` soft-deleted; the same group names;
 * the same members in each group. Strict both ways: a replica row or membership the emulator does
 * not have fails too.
 */
async function assertReplicaMatches(
  demo: RunningDemo,
  client: CognitoIdentityProviderClient,
  deletedSubs: readonly string[],
): Promise<void> {
  const poolId = demo.pool.userPoolId;
  // A second Replica object over the app's database: it reads rows, not the app's cache.
  const replica = createReplica({ db: demo.db, poolId });

  const users = await emulatorUsers(client, poolId);
  for (const user of users) {
    const sub = attr(user, 'sub');
    assert.ok(sub, `emulator user ${user.Username} has a sub`);
    const row = await replica.getUserBySub(sub);
    assert.ok(row, `replica has ${user.Username}`);
    assert.deepEqual(
      {
        username: row.username,
        email: row.email,
        enabled: row.enabled,
        status: row.status,
        deleted: row.deletedAt !== null,
      },
      {
        username: user.Username,
        email: attr(user, 'email'),
        enabled: user.Enabled,
        status: user.UserStatus,
        deleted: false,
      },
      `replica row of ${user.Username}`,
    );
  }
  for (const sub of deletedSubs) {
    const row = await replica.getUserBySub(sub);
    assert.ok(row, `replica keeps deleted user ${sub}`);
    assert.notEqual(row.deletedAt, null, `replica soft-deleted ${row.username}`);
  }
  const live = await demo.db
    .selectFrom('cognito_users')
    .select('sub')
    .where('pool_id', '=', poolId)
    .where('deleted_at', 'is', null)
    .execute();
  assert.deepEqual(
    live.map((r) => r.sub as string).sort(),
    users.map((u) => attr(u, 'sub')!).sort(),
    'the replica has no live user the emulator does not have',
  );

  const groups = await emulatorGroups(client, poolId);
  assert.deepEqual((await replica.listGroups(poolId)).map((g) => g.name).sort(), groups, 'the same groups');
  for (const group of groups) {
    const members = (await replica.listUsersInGroup(group, { poolId })).map((u) => u.sub as string).sort();
    assert.deepEqual(members, await emulatorMembers(client, poolId, group), `members of ${group}`);
  }
}

describe('the replica stays equal to the emulator', () => {
  for (const [name, open, reason] of targets) {
    it(`through logins, trigger events, admin changes and a sync (${name})`, {
      skip: open ? false : reason,
    }, async () => {
      const target = await open!();
      const demo = await startDemo({ port: 0, emulatorPort: 0, host: '127.0.0.1', databaseUrl: target.url });
      const client = new CognitoIdentityProviderClient({
        region: 'us-east-1',
        endpoint: demo.emulatorUrl,
        credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
        maxAttempts: 1,
      });
      const poolId = demo.pool.userPoolId;
      const emu = demo.emulator;
      const sub = (username: string) => emu.state.getUser(emu.state.pool(poolId), username).sub;
      const allDelivered = async (when: string) => {
        await emu.flushWebhooks();
        const refused = emu.triggers.filter((t) => !t.delivered).map((t) => t.triggerSource);
        assert.deepEqual(refused, [], `every trigger event was accepted by the app (${when})`);
      };
      try {
        // 1. Real logins: the hosted form (post-authentication and pre-token-generation triggers
        // reach the webhook), then a bearer API call (the token upserts the user and its groups).
        // All three seeded users sign in: the seed itself creates them without events.
        for (const username of ['admin', 'editor', 'reader']) {
          const tokens = await passwordLogin({
            emulatorUrl: demo.emulatorUrl,
            client: DEMO_CLIENTS.web,
            redirectUri: `${demo.appUrl}/auth/callback`,
            username,
            password: DEMO_PASSWORD,
          });
          const me = await fetch(`${demo.appUrl}/api/me`, {
            headers: { authorization: `Bearer ${tokens.access_token}` },
          });
          assert.equal(me.status, 200, `GET /api/me as ${username}`);
          const body = (await me.json()) as { replicaUserId?: number | null };
          assert.equal(typeof body.replicaUserId, 'number', `${username} has a replica row`);
        }
        await allDelivered('logins');
        await assertReplicaMatches(demo, client, []);

        // 2. Console-style admin changes through the admin API; each one becomes a trigger event.
        await client.send(
          new AdminCreateUserCommand({
            UserPoolId: poolId,
            Username: 'newbie',
            UserAttributes: [
              { Name: 'email', Value: 'Newbie@Example.com' },
              { Name: 'email_verified', Value: 'true' },
            ],
            MessageAction: 'SUPPRESS',
          }),
        );
        await client.send(
          new AdminUpdateUserAttributesCommand({
            UserPoolId: poolId,
            Username: 'reader',
            UserAttributes: [{ Name: 'email', Value: 'reader.moved@example.com' }],
          }),
        );
        await client.send(
          new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'reader', GroupName: 'editors' }),
        );
        await client.send(
          new AdminRemoveUserFromGroupCommand({
            UserPoolId: poolId,
            Username: 'editor',
            GroupName: 'editors',
          }),
        );
        await client.send(
          new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'auditors', Description: 'Audit' }),
        );
        await client.send(
          new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'newbie', GroupName: 'auditors' }),
        );
        await client.send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: 'editor' }));
        const adminSub = sub('admin');
        await client.send(new AdminDeleteUserCommand({ UserPoolId: poolId, Username: 'admin' }));
        await allDelivered('admin changes');

        // 3. Equal after the events alone.
        await assertReplicaMatches(demo, client, [adminSub]);

        // 4. A sync finds nothing to do: logins covered the seeded users and groups, events the rest.
        const replica = createReplica({ db: demo.db, poolId });
        const quiet = await syncPool({ replica, userPoolId: poolId, client });
        assert.deepEqual(
          {
            created: quiet.created,
            updated: quiet.updated,
            disabled: quiet.disabled,
            enabled: quiet.enabled,
            deleted: quiet.deleted,
            groupsCreated: quiet.groupsCreated,
            groupsDeleted: quiet.groupsDeleted,
            membershipsAdded: quiet.membershipsAdded,
            membershipsRemoved: quiet.membershipsRemoved,
          },
          {
            created: 0,
            updated: 0,
            disabled: 0,
            enabled: 0,
            deleted: 0,
            groupsCreated: 0,
            groupsDeleted: 0,
            membershipsAdded: 0,
            membershipsRemoved: 0,
          },
          'the sync after the events',
        );
        await assertReplicaMatches(demo, client, [adminSub]);

        // 5. Changes the app never hears of (webhook unplugged): the replica diverges, the sync repairs it.
        emu.setWebhook(undefined);
        await client.send(new AdminEnableUserCommand({ UserPoolId: poolId, Username: 'editor' }));
        await client.send(
          new AdminUpdateUserAttributesCommand({
            UserPoolId: poolId,
            Username: 'newbie',
            UserAttributes: [{ Name: 'email', Value: 'newbie.moved@example.com' }],
          }),
        );
        await client.send(
          new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'newbie', GroupName: 'editors' }),
        );
        await client.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'reviewers' }));
        await client.send(
          new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'offline', MessageAction: 'SUPPRESS' }),
        );
        await client.send(
          new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'offline', GroupName: 'reviewers' }),
        );
        const readerSub = sub('reader');
        await client.send(new AdminDeleteUserCommand({ UserPoolId: poolId, Username: 'reader' }));
        await emu.flushWebhooks();
        // The comparison is strict: it sees the divergence.
        await assert.rejects(
          assertReplicaMatches(demo, client, [adminSub, readerSub]),
          assert.AssertionError,
        );

        const repair = await syncPool({ replica, userPoolId: poolId, client });
        assert.deepEqual(
          {
            created: repair.created,
            updated: repair.updated,
            disabled: repair.disabled,
            enabled: repair.enabled,
            deleted: repair.deleted,
            groupsCreated: repair.groupsCreated,
            groupsDeleted: repair.groupsDeleted,
            membershipsAdded: repair.membershipsAdded,
            membershipsRemoved: repair.membershipsRemoved,
          },
          {
            created: 1, // offline
            updated: 1, // newbie's email
            disabled: 0,
            enabled: 1, // editor
            deleted: 1, // reader
            groupsCreated: 1, // reviewers
            groupsDeleted: 0,
            membershipsAdded: 2, // newbie -> editors, offline -> reviewers
            membershipsRemoved: 0,
          },
          'the repairing sync',
        );
        await assertReplicaMatches(demo, client, [adminSub, readerSub]);
      } finally {
        client.destroy();
        await demo.close();
        await target.drop();
      }
    });
  }
});
