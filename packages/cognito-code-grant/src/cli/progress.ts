/**
 * The sync's progress as text: a count, and with the pool's estimated size a total, a
 * percentage and an ETA (from the rate so far). Pure, so it is tested without a clock.
 */
import type { SyncProgress } from '../sync/sync.ts';

/** `m:ss` (or `h:mm:ss`). */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** `1200/3000 40% ETA 0:12`, or `1200` without a total. The estimate may be passed: capped at 100%. */
export function usersProgress(p: SyncProgress): string {
  const seen = String(p.usersSeen);
  if (p.usersTotal === undefined || p.usersTotal <= 0) return seen;
  const ratio = Math.min(1, p.usersSeen / p.usersTotal);
  const percent = `${Math.floor(ratio * 100)}%`;
  let eta = '';
  if (p.phase === 'users' && p.usersSeen > 0 && ratio < 1) {
    eta = ` ETA ${formatDuration((p.elapsedMs * (p.usersTotal - p.usersSeen)) / p.usersSeen)}`;
  }
  return `${seen}/${p.usersTotal} ${percent}${eta}`;
}

/** One terminal frame (redrawn with `\r`). */
export function progressFrame(p: SyncProgress): string {
  const spin = '|/-\\'[Math.floor(p.usersSeen / 60) % 4];
  return `\r${spin} ${p.phase.padEnd(11)} users ${usersProgress(p).padStart(9)}  groups ${String(p.groupsSeen).padStart(6)}`;
}

/** One log line (no terminal). */
export function progressLine(p: SyncProgress): string {
  return `${p.phase} users=${usersProgress(p)} groups=${p.groupsSeen}\n`;
}
