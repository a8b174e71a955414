/**
 * Sync run ids, ordered by the run's start: `t`, the start in epoch milliseconds (13 digits),
 * then 16 random hex digits.
 *
 * Why ordered: runs can overlap (a slow run and the next scheduled one, two hosts on one cron).
 * A user's mark (`seen_run`) only ever moves to a later run, and a run sweeps only users that no
 * run started at or after it has seen (`seen_run < runId`), so one run never sweeps a user that
 * another listed after it. The leading `t` sorts after the UUIDs of earlier versions (digits and
 * `a` to `f` first) in the binary collations of SQLite and MySQL and in PostgreSQL's.
 */
import { defaultRandomBytes } from '../util/random.ts';

export function syncRunId(startedAt: number): string {
  return `t${String(Math.max(0, Math.trunc(startedAt))).padStart(13, '0')}${Buffer.from(defaultRandomBytes(8)).toString('hex')}`;
}
