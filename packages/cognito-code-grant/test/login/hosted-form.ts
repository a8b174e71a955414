/**
 * Signs in on the emulator's hosted page like a browser without JavaScript: GET the authorize
 * URL, follow redirects inside the emulator, read the HTML form (action + hidden fields), POST
 * it with the credentials, and return the redirect back to the app (`?code&state` or `?error`).
 */
import { CookieJar } from './cookie-jar.ts';

function decode(s: string): string {
  return s.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c))).replace(/&amp;/g, '&');
}

export async function signInThroughForm(
  authorizeUrl: string,
  username: string,
  password: string,
  jar: CookieJar = new CookieJar(),
): Promise<URL> {
  const origin = new URL(authorizeUrl).origin;
  let url = authorizeUrl;
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: jar.header(new URL(url).pathname) ?? '' },
    });
    jar.apply(res);
    if (res.status === 302 || res.status === 303) {
      const location = new URL(res.headers.get('location')!, url);
      if (location.origin !== origin) return location;
      url = location.href;
      continue;
    }
    const html = await res.text();
    const form = /<form method="post" action="([^"]*)"/.exec(html);
    if (!form) throw new Error(`no sign-in form (HTTP ${res.status})`);
    const fields = new URLSearchParams();
    for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
      fields.set(decode(m[1]!), decode(m[2]!));
    }
    fields.set('username', username);
    fields.set('password', password);
    const action = new URL(decode(form[1]!), url);
    const post = await fetch(action, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: jar.header(action.pathname) ?? '',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: fields.toString(),
    });
    jar.apply(post);
    if (post.status !== 302) throw new Error(`sign-in refused (HTTP ${post.status})`);
    const location = new URL(post.headers.get('location')!, action);
    if (location.origin !== origin) return location;
    url = location.href;
  }
  throw new Error('too many redirects');
}
