/**
 * The user pages of ListUsers and ListUsersInGroup read straight from the response's JSON.
 *
 * Why: the sync lists every user twice (once per pool, once per group), and the AWS SDK turns
 * each page into its output shape by walking a schema, member by member, with a Date for every
 * timestamp. Measured on 200,000 users, that walk was the largest single cost of the sync's
 * CPU (docs/adr/0004-sync-reads-user-pages-raw.md). The sync needs four plain fields of each user,
 * which `JSON.parse` (native) gives directly.
 *
 * How: a middleware on the command (not on the client, which may be the caller's and shared)
 * that runs between the HTTP handler and the SDK's deserializer. On a 200 answer whose JSON has a
 * `Users` array, it keeps the array and hands the deserializer the same document without it, so
 * the SDK still parses the rest (the pagination token, `$metadata`) and every error answer as
 * usual. A client that does not run command middleware (a test double) leaves the holder empty:
 * the SDK's own `Users` are used then.
 */

/** A user as the admin API's JSON describes it; every field unchecked. */
export interface RawUser {
  readonly Username?: unknown;
  readonly Attributes?: unknown;
  readonly UserStatus?: unknown;
  readonly Enabled?: unknown;
}

export interface RawUsersHolder {
  /** The page's users as parsed from the JSON; undefined when the middleware did not run. */
  users: readonly RawUser[] | undefined;
}

type Next = (args: unknown) => Promise<{ response: unknown; output?: unknown }>;

interface CommandWithStack {
  readonly middlewareStack?: {
    add(middleware: (next: Next) => Next, options: Record<string, unknown>): void;
  };
}

async function readBody(body: unknown): Promise<Buffer | undefined> {
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body === null || typeof body !== 'object' || !(Symbol.asyncIterator in body)) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    chunks.push(
      typeof chunk === 'string'
        ? Buffer.from(chunk)
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength),
    );
  }
  return Buffer.concat(chunks);
}

/**
 * Arranges for `command` (a ListUsers or ListUsersInGroup command of the AWS SDK v3) to hand its
 * page's users to the returned holder as plain JSON, sparing the SDK's deserialization of them.
 */
export function readUsersRaw(command: unknown): RawUsersHolder {
  const holder: RawUsersHolder = { users: undefined };
  const stack = (command as CommandWithStack).middlewareStack;
  if (typeof stack?.add !== 'function') return holder;
  stack.add(
    (next) => async (args) => {
      const result = await next(args);
      holder.users = undefined;
      const response = result.response as { statusCode?: unknown; body?: unknown } | null;
      if (response === null || typeof response !== 'object' || response.statusCode !== 200) return result;
      const bytes = await readBody(response.body);
      if (bytes === undefined) return result;
      // Whatever happens below, the deserializer reads the bytes read here.
      response.body = bytes;
      let document: unknown;
      try {
        document = JSON.parse(bytes.toString('utf8'));
      } catch {
        return result; // the SDK reports the malformed answer as it would have
      }
      if (
        document === null ||
        typeof document !== 'object' ||
        !Array.isArray((document as { Users?: unknown }).Users)
      )
        return result;
      const { Users: users, ...rest } = document as { Users: RawUser[] };
      holder.users = users;
      response.body = Buffer.from(JSON.stringify(rest));
      return result;
    },
    // Deserialize step, low priority: inside the SDK's deserializer, next to the HTTP handler.
    { step: 'deserialize', priority: 'low', name: 'cognitoCodeGrantRawUserPages' },
  );
  return holder;
}

/** The users of a page: the raw ones when the middleware ran, else the SDK's output. */
export function pageUsers(
  holder: RawUsersHolder,
  output: { Users?: unknown } | undefined,
): readonly RawUser[] {
  if (holder.users !== undefined) return holder.users;
  const users = output?.Users;
  return Array.isArray(users) ? users : [];
}
