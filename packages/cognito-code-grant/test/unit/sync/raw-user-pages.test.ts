/**
 * The sync reads ListUsers / ListUsersInGroup pages from the answer's JSON (raw-user-pages.ts):
 * with the real AWS SDK client (its HTTP handler replaced, no network) the users come from the
 * JSON and the SDK still parses the token and the errors; a client that runs no command
 * middleware falls back to the SDK's output.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import {
  CognitoIdentityProviderClient,
  ListUsersCommand,
  ListUsersInGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { attributesFromList } from '../../../src/replica/normalize.ts';
import { pageUsers, readUsersRaw } from '../../../src/sync/raw-user-pages.ts';

const USERS = [
  {
    Username: 'alice',
    Attributes: [
      { Name: 'sub', Value: 'sub-a' },
      { Name: 'email', Value: 'alice@example.com' },
      { Name: 'custom:n', Value: 'ü 1' },
    ],
    UserStatus: 'CONFIRMED',
    Enabled: true,
    UserCreateDate: 1.7e9,
    UserLastModifiedDate: 1.7e9,
  },
  {
    Username: 'bob',
    Attributes: [{ Name: 'sub', Value: 'sub-b' }],
    UserStatus: 'FORCE_CHANGE_PASSWORD',
    Enabled: false,
  },
];

/** A client whose HTTP handler answers `status` and `body` (as a stream, like Node's handler). */
function clientAnswering(status: number, body: string, headers: Record<string, string> = {}) {
  const seen: string[] = [];
  const client = new CognitoIdentityProviderClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: {
      async handle(request: { body?: unknown }) {
        seen.push(String(request.body));
        return {
          response: {
            statusCode: status,
            headers: { 'content-type': 'application/x-amz-json-1.1', ...headers },
            body: Readable.from([Buffer.from(body)]),
          },
        };
      },
    } as never,
  });
  return { client, seen };
}

test('ListUsers: the users come from the JSON, the SDK still reads the pagination token', async () => {
  const { client } = clientAnswering(200, JSON.stringify({ Users: USERS, PaginationToken: 'next-1' }));
  const command = new ListUsersCommand({ UserPoolId: 'eu-west-1_abc', Limit: 60 });
  const raw = readUsersRaw(command);
  const output = await client.send(command);
  assert.deepEqual(raw.users, USERS);
  assert.equal(output.PaginationToken, 'next-1');
  // The SDK was spared the users: its output has none of them.
  assert.equal(output.Users, undefined);
  assert.deepEqual(pageUsers(raw, output), USERS);
  assert.deepEqual(attributesFromList(USERS[0]!.Attributes), {
    sub: 'sub-a',
    attributes: { email: 'alice@example.com', 'custom:n': 'ü 1' },
  });
});

test('ListUsersInGroup: the same, with NextToken', async () => {
  const { client } = clientAnswering(200, JSON.stringify({ Users: USERS, NextToken: 'n2' }));
  const command = new ListUsersInGroupCommand({ UserPoolId: 'eu-west-1_abc', GroupName: 'g' });
  const raw = readUsersRaw(command);
  const output = await client.send(command);
  assert.equal(output.NextToken, 'n2');
  assert.deepEqual(
    pageUsers(raw, output).map((u) => attributesFromList(u.Attributes).sub),
    ['sub-a', 'sub-b'],
  );
});

test('an error answer is still the SDK error (throttling stays recognisable)', async () => {
  const { client } = clientAnswering(
    400,
    JSON.stringify({ __type: 'TooManyRequestsException', message: 'Too many requests' }),
  );
  const command = new ListUsersCommand({ UserPoolId: 'eu-west-1_abc' });
  const raw = readUsersRaw(command);
  await assert.rejects(client.send(command), { name: 'TooManyRequestsException' });
  assert.equal(raw.users, undefined);
});

test('a 200 answer that is not JSON fails as the SDK fails it, with no users taken', async () => {
  const { client } = clientAnswering(200, '{"Users": [');
  const command = new ListUsersCommand({ UserPoolId: 'eu-west-1_abc' });
  const raw = readUsersRaw(command);
  await assert.rejects(client.send(command));
  assert.equal(raw.users, undefined);
});

test('a resent command (a retry) takes the users of its last answer', async () => {
  const { client } = clientAnswering(200, JSON.stringify({ Users: [USERS[1]] }));
  const command = new ListUsersCommand({ UserPoolId: 'eu-west-1_abc' });
  const raw = readUsersRaw(command);
  await client.send(command);
  await client.send(command);
  assert.deepEqual(raw.users, [USERS[1]]);
});

test('a client that runs no command middleware: the SDK output is used', async () => {
  const command = new ListUsersCommand({ UserPoolId: 'eu-west-1_abc' });
  const raw = readUsersRaw(command);
  const fake = { send: async () => ({ Users: USERS }) };
  const output = await fake.send();
  assert.equal(raw.users, undefined);
  assert.deepEqual(pageUsers(raw, output), USERS);
  assert.deepEqual(pageUsers(raw, {}), []);
});

test('attributes: names and values that are not strings are skipped', () => {
  assert.deepEqual(
    attributesFromList([
      null,
      { Name: 'sub' },
      { Name: 'x', Value: 1 },
      { Name: '', Value: 'v' },
      { Name: 'ok', Value: '' },
    ]),
    { sub: undefined, attributes: { ok: '' } },
  );
  assert.deepEqual(attributesFromList('nope'), { sub: undefined, attributes: {} });
});
