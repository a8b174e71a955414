/**
 * The tutorial's front end: Amplify's `Authenticator` (sign up, confirm with the emailed code,
 * sign in with SRP, forgot password), then the articles from the API, and a form for editors.
 */
import { Authenticator } from '@aws-amplify/ui-react';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { ApiError, type Article, createArticle, currentGroups, listArticles } from './api.ts';

export function App({ apiUrl }: { apiUrl: string }) {
  return (
    <main className="articles-spa">
      <Authenticator signUpAttributes={['email']}>
        {({ signOut, user }) => (
          <Articles apiUrl={apiUrl} username={user?.username ?? ''} signOut={() => signOut?.()} />
        )}
      </Authenticator>
    </main>
  );
}

function describe(error: unknown): string {
  if (error instanceof ApiError) {
    const challenge = error.challenge ? ` (${error.challenge})` : '';
    return `${error.status} ${error.code}: ${error.message}${challenge}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function Articles({ apiUrl, username, signOut }: { apiUrl: string; username: string; signOut: () => void }) {
  const [articles, setArticles] = useState<Article[] | null>(null);
  const [groups, setGroups] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      setArticles(await listArticles(apiUrl));
      setError(null);
    } catch (e) {
      setError(describe(e));
    }
  }, [apiUrl]);

  useEffect(() => {
    void reload();
    currentGroups().then(setGroups, () => setGroups([]));
  }, [reload]);

  return (
    <section>
      <header>
        <h1>
          Signed in as <span id="username">{username}</span>
        </h1>
        <p>
          Groups: <span id="groups">{groups.join(', ') || '(none)'}</span>
        </p>
        <button type="button" id="sign-out" onClick={signOut}>
          Sign out
        </button>
      </header>
      {error && (
        <p role="alert" id="api-error">
          {error}
        </p>
      )}
      {groups.includes('editors') && <NewArticle apiUrl={apiUrl} onCreated={reload} />}
      <h2>Articles</h2>
      {articles === null ? (
        <p id="loading">Loading…</p>
      ) : articles.length === 0 ? (
        <p id="no-articles">No articles yet.</p>
      ) : (
        <ul className="articles">
          {articles.map((a) => (
            <li key={a.id} data-article-id={a.id}>
              <strong className="title">{a.title}</strong> by <span className="author">{a.author}</span>
              <p className="body">{a.body}</p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function NewArticle({ apiUrl, onCreated }: { apiUrl: string; onCreated: () => Promise<void> }) {
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    try {
      await createArticle(apiUrl, { title: String(data.get('title')), body: String(data.get('body')) });
      form.reset();
      setFields({});
      setError(null);
      await onCreated();
    } catch (e) {
      setFields(e instanceof ApiError ? e.fields : {});
      setError(describe(e));
    }
  }

  return (
    <form className="add" onSubmit={submit}>
      <h2>New article</h2>
      <label>
        Title <input name="title" maxLength={200} />
      </label>
      <span data-error-for="title">{fields['title']}</span>
      <label>
        Body <textarea name="body" />
      </label>
      <span data-error-for="body">{fields['body']}</span>
      <button type="submit">Publish</button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}
