/** A tiny path-aware cookie jar for tests (Web Responses and fetch over HTTP). */

interface Stored {
  value: string;
  path: string;
}

export class CookieJar {
  readonly cookies = new Map<string, Stored>();

  /** Applies every `Set-Cookie` of a response (Max-Age=0 deletes). */
  apply(response: Response | readonly string[]): void {
    const list = Array.isArray(response) ? response : (response as Response).headers.getSetCookie();
    for (const line of list) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      let path = '/';
      let maxAge: number | undefined;
      for (const a of attrs) {
        const [k, v] = a.trim().split('=');
        if (k?.toLowerCase() === 'path' && v) path = v;
        if (k?.toLowerCase() === 'max-age' && v) maxAge = Number(v);
      }
      if (maxAge === 0) this.cookies.delete(name);
      else this.cookies.set(name, { value, path });
    }
  }

  /** The Cookie header for a request path, or undefined when empty. */
  header(path = '/'): string | undefined {
    const parts: string[] = [];
    for (const [name, c] of this.cookies) {
      if (
        path === c.path ||
        path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) ||
        c.path === '/'
      ) {
        parts.push(`${name}=${c.value}`);
      }
    }
    return parts.length ? parts.join('; ') : undefined;
  }

  names(): string[] {
    return [...this.cookies.keys()];
  }

  clone(): CookieJar {
    const j = new CookieJar();
    for (const [k, v] of this.cookies) j.cookies.set(k, { ...v });
    return j;
  }
}
