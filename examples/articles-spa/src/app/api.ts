/**
 * The Articles API, called from the page with the signed-in user's access token as a bearer.
 * Amplify refreshes the tokens when they are about to expire (`fetchAuthSession`).
 */
import { fetchAuthSession } from 'aws-amplify/auth';

export interface Article {
  readonly id: number;
  readonly title: string;
  readonly body: string;
  readonly author: string | null;
  readonly createdAt: number;
}

/** A refusal from the API, with what the page needs to explain it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** `WWW-Authenticate` of a 401: readable cross-origin because the API exposes it. */
    readonly challenge: string | null,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

async function accessToken(): Promise<string> {
  const token = (await fetchAuthSession()).tokens?.accessToken?.toString();
  if (!token) throw new ApiError(401, 'NOT_SIGNED_IN', 'Not signed in', null);
  return token;
}

async function call(apiUrl: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(new URL(path, apiUrl), {
    method,
    headers: {
      accept: 'application/json',
      authorization: `Bearer ${await accessToken()}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    throw new ApiError(
      res.status,
      typeof payload['error'] === 'string' ? payload['error'] : `HTTP_${res.status}`,
      typeof payload['message'] === 'string' ? payload['message'] : `The API answered ${res.status}`,
      res.headers.get('www-authenticate'),
      (payload['fields'] as Record<string, string> | undefined) ?? {},
    );
  }
  return payload;
}

export async function listArticles(apiUrl: string): Promise<Article[]> {
  return ((await call(apiUrl, 'GET', '/api/articles')) as { articles: Article[] }).articles;
}

export async function createArticle(
  apiUrl: string,
  input: { title: string; body: string },
): Promise<Article> {
  return ((await call(apiUrl, 'POST', '/api/articles', input)) as { article: Article }).article;
}

/** The user's groups, from the access token's `cognito:groups` claim (display only: the API decides). */
export async function currentGroups(): Promise<string[]> {
  const groups = (await fetchAuthSession()).tokens?.accessToken?.payload['cognito:groups'];
  return Array.isArray(groups) ? groups.map(String) : [];
}
