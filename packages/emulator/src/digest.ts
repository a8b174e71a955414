import { createHash } from 'node:crypto';

/** SHA-256 hex: refresh tokens, codes and session handles are kept by hash, never verbatim. */
export function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
