/**
 * Return paths after login and logout: same-origin relative paths only. Anything that a browser
 * or a framework could read as another origin (`//evil`, `/\evil`, `https:evil`, their
 * percent-encoded forms, tabs or newlines that URL parsers strip) falls back to `/`.
 */

const MAX_LENGTH = 2048;
/** Controls, space, DEL, C1 controls, backslash and line separators never belong in a return path. */
function hasForbidden(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c <= 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x5c || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

function decodeRepeatedly(value: string): string | undefined {
  let current = value;
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return undefined;
    }
    if (next === current) return current;
    current = next;
  }
  return current;
}

function looksSafe(path: string): boolean {
  return path.startsWith('/') && !path.startsWith('//') && !hasForbidden(path);
}

/** The decoded form may hold spaces or backslashes inside (`?q=a%20b`), never a host-like start or controls. */
function looksSafeDecoded(path: string): boolean {
  if (!path.startsWith('/') || path[1] === '/' || path[1] === '\\') return false;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) return false;
  }
  return true;
}

/** The validated path (with query and fragment), or `/`. */
export function safeReturnTo(raw: string | null | undefined): string {
  if (typeof raw !== 'string' || raw === '' || raw.length > MAX_LENGTH) return '/';
  if (!looksSafe(raw)) return '/';
  // Encoded variants (`/%2F%2Fevil`, `/%5Cevil`, `/%09/evil`) must be safe once decoded too.
  const decoded = decodeRepeatedly(raw);
  if (decoded === undefined || !looksSafeDecoded(decoded)) return '/';
  // Final check with a real URL parser: resolved against a fixed origin it must stay there.
  let url: URL;
  try {
    url = new URL(raw, 'https://return-to.invalid');
  } catch {
    return '/';
  }
  if (url.origin !== 'https://return-to.invalid') return '/';
  const out = url.pathname + url.search + url.hash;
  return looksSafe(out) ? out : '/';
}
