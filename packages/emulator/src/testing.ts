/**
 * Test helper: drives the hosted sign-in page with fetch, as a browser would (cookies, the
 * `_csrf` form field), and returns where the emulator finally redirects (the app's callback URL
 * with `code` and `state`, or an error). No browser needed.
 */

/** A minimal cookie jar for one emulator origin. */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  /** Stores the Set-Cookie headers of a response (Max-Age=0 deletes). */
  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const i = pair.indexOf('=');
      if (i < 0) continue;
      const name = pair.slice(0, i).trim();
      const expired = attrs.some((a) => a.trim().toLowerCase() === 'max-age=0');
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(i + 1).trim());
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export interface HostedSignInOptions {
  /** Full `/oauth2/authorize?...` URL (or a `/login?...` or `/logout?...` URL). */
  url: string;
  username: string;
  password: string;
  /** Needed by FORCE_CHANGE_PASSWORD users: the password set on the change-password step. */
  newPassword?: string;
  /** Reuse across calls to keep the hosted-login session (second authorize skips the form). */
  jar?: CookieJar;
}

export interface HostedSignInResult {
  /** The final Location outside the emulator (normally `{redirect_uri}?code=...&state=...`). */
  location: string;
  code: string | undefined;
  state: string | undefined;
  error: string | undefined;
  jar: CookieJar;
  /** True when the login form was shown (false = a live hosted session answered). */
  formShown: boolean;
}

/** Thrown when the sign-in page re-renders with an error (wrong password, disabled user...). */
export class HostedSignInError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'HostedSignInError';
  }
}

function field(html: string, name: string): string | undefined {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  return m?.[1]?.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)));
}

function pageError(html: string): string | undefined {
  const m = /<div class="err" role="alert">([\s\S]*?)<\/div>/.exec(html);
  return m?.[1]
    ?.replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)))
    .trim();
}

function result(location: string, jar: CookieJar, formShown: boolean): HostedSignInResult {
  const u = new URL(location);
  return {
    location,
    code: u.searchParams.get('code') ?? undefined,
    state: u.searchParams.get('state') ?? undefined,
    error: u.searchParams.get('error') ?? undefined,
    jar,
    formShown,
  };
}

/** Follows redirects inside the emulator, signs in on the form, returns the app redirect. */
export async function hostedSignIn(options: HostedSignInOptions): Promise<HostedSignInResult> {
  const jar = options.jar ?? new CookieJar();
  const origin = new URL(options.url).origin;
  let url = options.url;
  let formShown = false;
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.store(res);
    if (res.status === 302) {
      const location = new URL(res.headers.get('location') ?? '', url).toString();
      if (!location.startsWith(`${origin}/`)) return result(location, jar, formShown);
      url = location;
      continue;
    }
    const html = await res.text();
    if (res.status !== 200 || !html.includes('name="_csrf"')) {
      throw new HostedSignInError(
        pageError(html) ?? `unexpected HTTP ${res.status} at ${new URL(url).pathname}`,
        res.status,
      );
    }
    formShown = true;
    const post = async (form: Record<string, string>) => {
      const r = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
      jar.store(r);
      return r;
    };
    const csrf = field(html, '_csrf') ?? '';
    let answer = await post({
      _csrf: csrf,
      username: options.username,
      password: options.password,
      signInSubmitButton: 'Sign in',
    });
    if (answer.status === 200) {
      const page = await answer.text();
      const challenge = field(page, 'challenge');
      if (!challenge) throw new HostedSignInError(pageError(page) ?? 'sign-in refused', 200);
      if (!options.newPassword)
        throw new HostedSignInError('a new password is required (FORCE_CHANGE_PASSWORD)', 200);
      answer = await post({
        _csrf: csrf,
        challenge,
        new_password: options.newPassword,
        confirm_password: options.newPassword,
      });
      if (answer.status !== 302)
        throw new HostedSignInError(pageError(await answer.text()) ?? 'refused', answer.status);
    }
    if (answer.status !== 302) {
      throw new HostedSignInError(pageError(await answer.text()) ?? `HTTP ${answer.status}`, answer.status);
    }
    const location = new URL(answer.headers.get('location') ?? '', url).toString();
    if (!location.startsWith(`${origin}/`)) return result(location, jar, formShown);
    url = location;
  }
  throw new HostedSignInError('too many redirects', 0);
}
