/** The AWS SDK v3 client drives the admin API (JSON 1.1 + X-Amz-Target) against the emulator. */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { after, before, describe, test } from 'node:test';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  DeleteGroupCommand,
  GetGroupCommand,
  ListGroupsCommand,
  ListUsersCommand,
  ListUsersInGroupCommand,
  paginateListUsers,
  paginateListUsersInGroup,
} from '@aws-sdk/client-cognito-identity-provider';
import { DEMO_POOL_ID, type RunningEmulator, start } from '../src/index.ts';

const POOL = DEMO_POOL_ID;

async function rejectsWith(p: Promise<unknown>, name: string): Promise<void> {
  await assert.rejects(p, (err: Error) => {
    assert.equal(err.name, name);
    return true;
  });
}

describe('admin API through the AWS SDK v3 client', () => {
  let emu: RunningEmulator;
  let sdk: CognitoIdentityProviderClient;

  before(async () => {
    emu = await start({ port: 0 });
    sdk = new CognitoIdentityProviderClient({
      endpoint: emu.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-checked' },
      maxAttempts: 1,
    });
  });
  after(async () => {
    sdk.destroy();
    await emu.stop();
  });

  test('create, get, update, disable, enable, set password, delete', async () => {
    const created = await sdk.send(
      new AdminCreateUserCommand({
        UserPoolId: POOL,
        Username: 'jdoe',
        TemporaryPassword: 'Temp-Passw0rd',
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: 'Jane.Doe@Example.com' },
          { Name: 'email_verified', Value: 'true' },
          { Name: 'custom:tenant', Value: '7' },
        ],
      }),
    );
    assert.equal(created.User?.Username, 'jdoe');
    assert.equal(created.User?.UserStatus, 'FORCE_CHANGE_PASSWORD');
    assert.equal(created.User?.Enabled, true);
    assert.ok(created.User?.UserCreateDate instanceof Date);
    const sub = created.User?.Attributes?.find((a) => a.Name === 'sub')?.Value;
    assert.ok(sub);

    const got = await sdk.send(new AdminGetUserCommand({ UserPoolId: POOL, Username: 'jdoe' }));
    assert.equal(got.UserAttributes?.find((a) => a.Name === 'email')?.Value, 'Jane.Doe@Example.com');
    assert.equal(got.UserAttributes?.[0]?.Name, 'sub');
    // by sub as well
    assert.equal(
      (await sdk.send(new AdminGetUserCommand({ UserPoolId: POOL, Username: sub }))).Username,
      'jdoe',
    );

    await sdk.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: POOL,
        Username: 'jdoe',
        UserAttributes: [{ Name: 'name', Value: 'Jane Doe' }],
      }),
    );
    await sdk.send(new AdminDisableUserCommand({ UserPoolId: POOL, Username: 'jdoe' }));
    let u = await sdk.send(new AdminGetUserCommand({ UserPoolId: POOL, Username: 'jdoe' }));
    assert.equal(u.Enabled, false);
    assert.equal(u.UserAttributes?.find((a) => a.Name === 'name')?.Value, 'Jane Doe');
    await sdk.send(new AdminEnableUserCommand({ UserPoolId: POOL, Username: 'jdoe' }));
    await sdk.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: POOL,
        Username: 'jdoe',
        Password: 'N3w-Passw0rd',
        Permanent: true,
      }),
    );
    u = await sdk.send(new AdminGetUserCommand({ UserPoolId: POOL, Username: 'JDOE' }));
    assert.equal(u.Enabled, true);
    assert.equal(u.UserStatus, 'CONFIRMED');

    await rejectsWith(
      sdk.send(new AdminCreateUserCommand({ UserPoolId: POOL, Username: 'jdoe' })),
      'UsernameExistsException',
    );
    await sdk.send(new AdminDeleteUserCommand({ UserPoolId: POOL, Username: 'jdoe' }));
    await rejectsWith(
      sdk.send(new AdminGetUserCommand({ UserPoolId: POOL, Username: 'jdoe' })),
      'UserNotFoundException',
    );
  });

  test('documented error types', async () => {
    await rejectsWith(
      sdk.send(new AdminGetUserCommand({ UserPoolId: POOL, Username: 'ghost' })),
      'UserNotFoundException',
    );
    await rejectsWith(
      sdk.send(new AdminGetUserCommand({ UserPoolId: 'us-east-1_Nope', Username: 'admin' })),
      'ResourceNotFoundException',
    );
    await rejectsWith(
      sdk.send(new ListUsersCommand({ UserPoolId: POOL, Limit: 61 })),
      'InvalidParameterException',
    );
    await rejectsWith(
      sdk.send(new ListUsersCommand({ UserPoolId: POOL, Filter: 'custom:tenant = "42"' })),
      'InvalidParameterException',
    );
    await rejectsWith(
      sdk.send(new ListUsersCommand({ UserPoolId: POOL, PaginationToken: 'garbage' })),
      'InvalidParameterException',
    );
    await rejectsWith(
      sdk.send(new CreateGroupCommand({ UserPoolId: POOL, GroupName: 'admins' })),
      'GroupExistsException',
    );
    await rejectsWith(
      sdk.send(new AdminAddUserToGroupCommand({ UserPoolId: POOL, Username: 'admin', GroupName: 'nope' })),
      'ResourceNotFoundException',
    );
    await rejectsWith(
      sdk.send(
        new AdminCreateUserCommand({
          UserPoolId: POOL,
          Username: 'weak',
          TemporaryPassword: 'short',
        }),
      ),
      'InvalidPasswordException',
    );
    emu.faults.adminThrottle = 2;
    await rejectsWith(sdk.send(new ListGroupsCommand({ UserPoolId: POOL })), 'TooManyRequestsException');
    await rejectsWith(sdk.send(new ListGroupsCommand({ UserPoolId: POOL })), 'TooManyRequestsException');
    assert.ok((await sdk.send(new ListGroupsCommand({ UserPoolId: POOL }))).Groups);
  });

  test('groups: create, get, add, list for user, list in group, remove, delete', async () => {
    const g = await sdk.send(
      new CreateGroupCommand({ UserPoolId: POOL, GroupName: 'staff', Description: 'Staff', Precedence: 5 }),
    );
    assert.equal(g.Group?.GroupName, 'staff');
    assert.ok(g.Group?.CreationDate instanceof Date);
    assert.equal(
      (await sdk.send(new GetGroupCommand({ UserPoolId: POOL, GroupName: 'staff' }))).Group?.Precedence,
      5,
    );
    await sdk.send(
      new AdminAddUserToGroupCommand({ UserPoolId: POOL, Username: 'reader', GroupName: 'staff' }),
    );
    await sdk.send(
      new AdminAddUserToGroupCommand({ UserPoolId: POOL, Username: 'reader', GroupName: 'staff' }),
    );
    const forUser = await sdk.send(
      new AdminListGroupsForUserCommand({ UserPoolId: POOL, Username: 'reader' }),
    );
    assert.deepEqual(
      forUser.Groups?.map((x) => x.GroupName),
      ['staff'],
    );
    const inGroup = await sdk.send(new ListUsersInGroupCommand({ UserPoolId: POOL, GroupName: 'editors' }));
    assert.deepEqual(inGroup.Users?.map((x) => x.Username).sort(), ['admin', 'editor']);
    const groups = await sdk.send(new ListGroupsCommand({ UserPoolId: POOL }));
    assert.deepEqual(
      groups.Groups?.map((x) => x.GroupName),
      ['admins', 'editors', 'staff'],
    );
    await sdk.send(
      new AdminRemoveUserFromGroupCommand({ UserPoolId: POOL, Username: 'reader', GroupName: 'staff' }),
    );
    assert.deepEqual(
      (await sdk.send(new AdminListGroupsForUserCommand({ UserPoolId: POOL, Username: 'reader' }))).Groups,
      [],
    );
    await sdk.send(
      new AdminAddUserToGroupCommand({ UserPoolId: POOL, Username: 'reader', GroupName: 'staff' }),
    );
    await sdk.send(new DeleteGroupCommand({ UserPoolId: POOL, GroupName: 'staff' }));
    assert.deepEqual(
      (await sdk.send(new AdminListGroupsForUserCommand({ UserPoolId: POOL, Username: 'reader' }))).Groups,
      [],
    );
    await rejectsWith(
      sdk.send(new GetGroupCommand({ UserPoolId: POOL, GroupName: 'staff' })),
      'ResourceNotFoundException',
    );
  });

  test('150 users: 60-item pages, filters, ListUsersInGroup paging, empty pages', async () => {
    await sdk.send(new CreateGroupCommand({ UserPoolId: POOL, GroupName: 'bulk' }));
    for (let i = 0; i < 150; i++) {
      const name = `bulk${String(i).padStart(3, '0')}`;
      await sdk.send(
        new AdminCreateUserCommand({
          UserPoolId: POOL,
          Username: name,
          MessageAction: 'SUPPRESS',
          UserAttributes: [{ Name: 'email', Value: `${name}@Bulk.example` }],
        }),
      );
      if (i % 2 === 0) {
        await sdk.send(
          new AdminAddUserToGroupCommand({ UserPoolId: POOL, Username: name, GroupName: 'bulk' }),
        );
      }
    }
    await sdk.send(new AdminDisableUserCommand({ UserPoolId: POOL, Username: 'bulk007' }));

    const sizes: number[] = [];
    const names: string[] = [];
    for await (const page of paginateListUsers({ client: sdk }, { UserPoolId: POOL })) {
      sizes.push(page.Users?.length ?? 0);
      for (const u of page.Users ?? []) names.push(u.Username!);
    }
    assert.deepEqual(sizes, [60, 60, 33]); // 3 demo users + 150
    assert.equal(new Set(names).size, 153);

    const prefix = await sdk.send(new ListUsersCommand({ UserPoolId: POOL, Filter: 'username ^= "bulk01"' }));
    assert.equal(prefix.Users?.length, 10);
    assert.equal(prefix.PaginationToken, undefined);
    const byEmail = await sdk.send(
      new ListUsersCommand({ UserPoolId: POOL, Filter: 'email = "BULK042@bulk.example"' }),
    );
    assert.deepEqual(
      byEmail.Users?.map((u) => u.Username),
      ['bulk042'],
    );
    const disabled = await sdk.send(
      new ListUsersCommand({ UserPoolId: POOL, Filter: 'status = "Disabled"' }),
    );
    assert.deepEqual(
      disabled.Users?.map((u) => u.Username),
      ['bulk007'],
    );
    const confirmed = await sdk.send(
      new ListUsersCommand({ UserPoolId: POOL, Filter: 'cognito:user_status = "confirmed"', Limit: 60 }),
    );
    assert.deepEqual(confirmed.Users?.map((u) => u.Username).sort(), ['admin', 'editor', 'reader']);
    const sub = (
      await sdk.send(new AdminGetUserCommand({ UserPoolId: POOL, Username: 'bulk099' }))
    ).UserAttributes?.find((a) => a.Name === 'sub')?.Value;
    const bySub = await sdk.send(new ListUsersCommand({ UserPoolId: POOL, Filter: `sub = "${sub}"` }));
    assert.equal(bySub.Users?.[0]?.Username, 'bulk099');
    const attrsOnly = await sdk.send(
      new ListUsersCommand({ UserPoolId: POOL, Filter: 'username = "bulk001"', AttributesToGet: ['email'] }),
    );
    assert.deepEqual(attrsOnly.Users?.[0]?.Attributes, [{ Name: 'email', Value: 'bulk001@Bulk.example' }]);

    const members: string[] = [];
    let pages = 0;
    for await (const page of paginateListUsersInGroup(
      { client: sdk, pageSize: 30 },
      { UserPoolId: POOL, GroupName: 'bulk' },
    )) {
      pages++;
      for (const u of page.Users ?? []) members.push(u.Username!);
    }
    assert.equal(members.length, 75);
    assert.equal(pages, 3);

    // Eventual-consistency fault: empty pages with a token in between; nothing lost or repeated.
    emu.faults.emptyPages = true;
    const seen: string[] = [];
    let empty = 0;
    for await (const page of paginateListUsers({ client: sdk }, { UserPoolId: POOL })) {
      if ((page.Users ?? []).length === 0) empty++;
      for (const u of page.Users ?? []) seen.push(u.Username!);
    }
    emu.faults.emptyPages = false;
    assert.equal(empty, 2);
    assert.deepEqual(seen, names);
  });

  test('successive calls reuse one keep-alive connection', async () => {
    // Node's agent keeps a socket only for the announced keep-alive time less one second: a
    // 1 s server timeout meant a new TCP connection for every page of a sync.
    let sockets = 0;
    const onSocket = () => sockets++;
    subscribe('net.client.socket', onSocket);
    try {
      for (let i = 0; i < 5; i++) await sdk.send(new ListUsersCommand({ UserPoolId: POOL, Limit: 1 }));
    } finally {
      unsubscribe('net.client.socket', onSocket);
    }
    assert.ok(sockets <= 1, `${sockets} connections for 5 calls`);
  });
});
