/**
 * The app's own table, `articles`, in the same database as the user replica. `author_id` is a
 * foreign key to the replica's users table, so every article joins to a real Cognito user.
 * The table has its own small migration list, run after the library's `migrate()`.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, PostgresAdapter, sql } from 'kysely';

export interface Article {
  readonly id: number;
  readonly title: string;
  readonly body: string;
  readonly authorId: number;
  /** The author's Cognito username, from the replica. */
  readonly author: string | null;
  /** Epoch milliseconds. */
  readonly createdAt: number;
}

export interface ArticleStoreOptions {
  /** The replica's users table, e.g. `cognito_users` (the library's default prefix is `cognito_`). */
  readonly usersTable: string;
}

/** Frozen in time: typed against Kysely<any>, never against today's schema. */
export function articleMigrations(usersTable: string): Record<string, Migration> {
  return {
    '2026_11_23_0001_articles': {
      async up(db: Kysely<any>) {
        // Postgres has no AUTOINCREMENT keyword; `serial` is its integer equivalent.
        const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
        await db.schema
          .createTable('articles')
          .addColumn('id', isPostgres ? 'serial' : 'integer', (c) =>
            isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('title', 'varchar(200)', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          // RESTRICT: a replica user with articles is soft-deleted by the library, never removed.
          .addColumn('author_id', 'integer', (c) =>
            c.notNull().references(`${usersTable}.id`).onDelete('restrict'),
          )
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('articles_author_idx').on('articles').column('author_id').execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.dropTable('articles').execute();
      },
    },
  };
}

/** Runs the articles migrations (ordered, locked by Kysely's migrator, own bookkeeping tables). */
export async function migrateArticles(db: Kysely<any>, options: ArticleStoreOptions): Promise<void> {
  const migrations = articleMigrations(options.usersTable);
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'articles_migrations',
    migrationLockTableName: 'articles_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`articles migration ${failed} failed`, { cause: error });
  }
}

export interface ArticleStore {
  list(): Promise<Article[]>;
  create(input: { title: string; body: string; authorId: number }): Promise<Article>;
  /** True when a row was deleted, false when there was none. */
  remove(id: number): Promise<boolean>;
  count(): Promise<number>;
}

const toNumber = (value: unknown): number => (typeof value === 'number' ? value : Number(value));

/** Queries over `articles`, all parameterised by Kysely. */
export function createArticleStore(db: Kysely<any>, options: ArticleStoreOptions): ArticleStore {
  const users = options.usersTable;
  const supportsReturning = db.getExecutor().adapter.supportsReturning;

  const get = async (id: number): Promise<Article | undefined> =>
    (await select().where('a.id', '=', id).execute()).map(toArticle)[0];
  const select = () =>
    db
      .selectFrom('articles as a')
      .leftJoin(`${users} as u`, 'u.id', 'a.author_id')
      .select(['a.id', 'a.title', 'a.body', 'a.author_id', 'a.created_at', 'u.username']);
  const toArticle = (row: any): Article =>
    Object.freeze({
      id: toNumber(row.id),
      title: String(row.title),
      body: String(row.body),
      authorId: toNumber(row.author_id),
      author: row.username == null ? null : String(row.username),
      createdAt: toNumber(row.created_at),
    });

  return {
    async list() {
      const rows = await select()
        .orderBy('a.created_at', 'desc')
        .orderBy('a.id', 'desc')
        .limit(500)
        .execute();
      return rows.map(toArticle);
    },
    async create({ title, body, authorId }) {
      const values = { title, body, author_id: authorId, created_at: Date.now() };
      let id: number;
      if (supportsReturning) {
        const row = await db.insertInto('articles').values(values).returning('id').executeTakeFirstOrThrow();
        id = toNumber(row.id);
      } else {
        const result = await db.insertInto('articles').values(values).executeTakeFirstOrThrow();
        id = toNumber(result.insertId);
      }
      const article = await get(id);
      if (!article) throw new Error('article vanished after insert');
      return article;
    },
    async remove(id) {
      const result = await db.deleteFrom('articles').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async count() {
      const row = await db
        .selectFrom('articles')
        .select(sql<number>`count(*)`.as('n'))
        .executeTakeFirstOrThrow();
      return toNumber(row.n);
    },
  };
}
