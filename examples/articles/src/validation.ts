/**
 * Validation of a new article. Pure: returns either the cleaned value or one message per bad
 * field, so the route can answer 400 without touching the database.
 */

export interface NewArticle {
  readonly title: string;
  readonly body: string;
}

export type ArticleValidation =
  | { readonly ok: true; readonly value: NewArticle }
  | { readonly ok: false; readonly fields: Readonly<Record<string, string>> };

export const TITLE_MAX = 200;
export const BODY_MAX = 10_000;

/** Length in code points, so an emoji counts as one character as a reader would expect. */
function length(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Checks a parsed JSON or form body: `title` 1-200 characters (trimmed), `body` 0-10000. */
export function validateArticle(input: unknown): ArticleValidation {
  const fields: Record<string, string> = {};
  const record =
    typeof input === 'object' && input !== null && !Array.isArray(input)
      ? (input as Record<string, unknown>)
      : {};
  if (record !== input) fields['_'] = 'expected a JSON object or a form body';

  const rawTitle = record['title'];
  const rawBody = record['body'] ?? '';
  let title = '';
  let body = '';
  if (typeof rawTitle !== 'string') fields['title'] = 'title is required';
  else {
    title = rawTitle.trim();
    if (title === '') fields['title'] = 'title is required';
    else if (length(title) > TITLE_MAX) fields['title'] = `title must be at most ${TITLE_MAX} characters`;
  }
  if (typeof rawBody !== 'string') fields['body'] = 'body must be text';
  else {
    body = rawBody;
    if (length(body) > BODY_MAX) fields['body'] = `body must be at most ${BODY_MAX} characters`;
  }
  return Object.keys(fields).length > 0 ? { ok: false, fields } : { ok: true, value: { title, body } };
}
