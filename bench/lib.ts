/**
 * Benchmark helpers. The machine is shared and noisy, so every figure is reported as a ratio
 * against a baseline measured in the same run, with candidate and baseline interleaved.
 */
/**
 * The export condition children of the bench start with: none (the built package in dist/, what
 * users install; `npm run bench` builds it first), or `ccg-source` when this process was started
 * with it (the sources through tsx, whose keepNames adds a `__name` call to every named function
 * created at run time: a cost the build does not have).
 */
export const LIBRARY_CONDITIONS: readonly string[] = process.execArgv.some((a) => a.includes('ccg-source'))
  ? ['--conditions=ccg-source']
  : [];

/** What the bench measures, for the table's heading. */
export const MEASURED_BUILD =
  LIBRARY_CONDITIONS.length === 0 ? 'the built package (dist/)' : 'the sources (tsx)';

export interface BenchRow {
  /** Table section, e.g. "verify", "http-fastify". */
  section: string;
  name: string;
  value: number;
  unit: string;
  /** Name of the row this one is compared with. */
  baseline?: string;
  ratio?: number;
  /** Human-readable target, e.g. ">= 0.75x bare crypto.verify". */
  target?: string;
  ok?: boolean;
  /** Lowest and highest ratio over the rounds (the median is `ratio`): how much the run swung. */
  range?: readonly [number, number];
}

/** Runs `fn` repeatedly for about `ms` milliseconds and returns operations per second. */
export function opsPerSecond(fn: () => void, ms = 500): number {
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 50; i++) fn();
    n += 50;
    now = process.hrtime.bigint();
  }
  return n / (Number(now - start) / 1e9);
}

/**
 * Like `opsPerSecond`, but per second of this process's CPU time (user + system), so that time
 * the shared machine gives to other work does not count. Right for single-threaded CPU-bound
 * loops (token verification); not for anything that waits on I/O.
 */
export function opsPerCpuSecond(fn: () => void, ms = 500): number {
  let n = 0;
  const startCpu = process.cpuUsage();
  const end = process.hrtime.bigint() + BigInt(ms) * 1_000_000n;
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 50; i++) fn();
    n += 50;
  }
  const used = process.cpuUsage(startCpu);
  return n / ((used.user + used.system) / 1e6);
}

/** `opsPerCpuSecond` for an async operation awaited one at a time (CPU time of every thread). */
export async function opsPerCpuSecondAsync(fn: () => Promise<unknown>, ms = 500): Promise<number> {
  let n = 0;
  const startCpu = process.cpuUsage();
  const end = process.hrtime.bigint() + BigInt(ms) * 1_000_000n;
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 20; i++) await fn();
    n += 20;
  }
  const used = process.cpuUsage(startCpu);
  return n / ((used.user + used.system) / 1e6);
}

/** Runs `fn` with `inFlight` calls kept running at once for about `ms`; returns how many completed. */
async function runConcurrent(fn: () => Promise<unknown>, ms: number, inFlight: number): Promise<number> {
  let n = 0;
  const end = process.hrtime.bigint() + BigInt(ms) * 1_000_000n;
  const worker = async () => {
    while (process.hrtime.bigint() < end) {
      await fn();
      n++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return n;
}

/** Operations per wall-clock second with `inFlight` async operations kept running at once. */
export async function opsPerSecondConcurrent(
  fn: () => Promise<unknown>,
  ms: number,
  inFlight: number,
): Promise<number> {
  const start = process.hrtime.bigint();
  const n = await runConcurrent(fn, ms, inFlight);
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

/**
 * `opsPerSecondConcurrent` per second of this process's CPU time (every thread's: the pool
 * threads' work and the kernel's wake-ups count).
 */
export async function opsPerCpuSecondConcurrent(
  fn: () => Promise<unknown>,
  ms: number,
  inFlight: number,
): Promise<number> {
  const startCpu = process.cpuUsage();
  const n = await runConcurrent(fn, ms, inFlight);
  const used = process.cpuUsage(startCpu);
  return n / ((used.user + used.system) / 1e6);
}

export async function opsPerSecondAsync(fn: () => Promise<unknown>, ms = 500): Promise<number> {
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 20; i++) await fn();
    n += 20;
    now = process.hrtime.bigint();
  }
  return n / (Number(now - start) / 1e9);
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Measures several contenders in interleaved rounds (A B C, A B C, ...) and returns the median
 * of each, so that a burst of load from elsewhere hits all of them alike.
 */
export async function interleaved(
  contenders: Record<string, () => Promise<number> | number>,
  rounds = 5,
): Promise<Record<string, number>> {
  return (await interleavedRounds(contenders, rounds)).medians;
}

/** `interleaved`, also returning every round's value of each contender (for `roundRange`). */
export async function interleavedRounds(
  contenders: Record<string, () => Promise<number> | number>,
  rounds = 5,
): Promise<{ medians: Record<string, number>; samples: Record<string, number[]> }> {
  const samples: Record<string, number[]> = {};
  for (const name of Object.keys(contenders)) samples[name] = [];
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of Object.entries(contenders)) samples[name]!.push(await run());
  }
  const medians = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  return { medians, samples };
}

/** Lowest and highest of `ratios`; with two series, of their round-by-round quotients. */
export function roundRange(
  values: readonly number[],
  baselines?: readonly number[],
): readonly [number, number] | undefined {
  const ratios = baselines === undefined ? values : values.map((v, i) => v / baselines[i]!);
  if (ratios.length === 0) return undefined;
  return [Math.min(...ratios), Math.max(...ratios)];
}

/**
 * For ratios against a baseline on a noisy shared machine: in each round every contender runs
 * next to a baseline run of its own (`baseline(name)`, which may mirror the contender's
 * requests), and its ratio sample is taken against that adjacent run. The order alternates
 * (baseline first in even rounds, contender first in odd ones), and rounds are taken two by two:
 * the ratio of a two is the geometric mean of its baseline-first and its contender-first ratio,
 * so whatever the second run of a pair gains or loses from the first cancels out instead of
 * leaning the median (with an odd number of rounds, the orientation of the majority would win
 * it). `rounds` is rounded up to an even number.
 * Returns the median value of each contender, of the baseline over all runs and of each
 * contender's own baseline runs, and the median ratio over the twos.
 */
export async function pairedRatios(
  baseline: (contender: string) => Promise<number>,
  contenders: Record<string, () => Promise<number>>,
  rounds = 6,
): Promise<{
  baseline: number;
  baselines: Record<string, number>;
  values: Record<string, number>;
  ratios: Record<string, number>;
  /** Each contender's lowest and highest ratio over the twos of rounds. */
  ranges: Record<string, readonly [number, number] | undefined>;
}> {
  const base: number[] = [];
  const baselines: Record<string, number[]> = {};
  const values: Record<string, number[]> = {};
  const ratios: Record<string, number[]> = {};
  for (const name of Object.keys(contenders)) {
    baselines[name] = [];
    values[name] = [];
    ratios[name] = [];
  }
  const even = rounds + (rounds % 2);
  for (let r = 0; r < even; r++) {
    for (const [name, run] of Object.entries(contenders)) {
      let b: number;
      let v: number;
      if (r % 2 === 0) {
        b = await baseline(name);
        v = await run();
      } else {
        v = await run();
        b = await baseline(name);
      }
      base.push(b);
      baselines[name]!.push(b);
      values[name]!.push(v);
      ratios[name]!.push(v / b);
    }
  }
  const twos = (r: number[]) => r.filter((_, i) => i % 2 === 1).map((odd, k) => Math.sqrt(r[2 * k]! * odd));
  const medians = (m: Record<string, number[]>, f = (v: number[]) => v) =>
    Object.fromEntries(Object.entries(m).map(([k, v]) => [k, median(f(v))]));
  return {
    baseline: median(base),
    baselines: medians(baselines),
    values: medians(values),
    ratios: medians(ratios, twos),
    ranges: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, roundRange(twos(v))])),
  };
}

/** A row compared with a baseline, for information (no target). */
export function infoRow(
  section: string,
  name: string,
  value: number,
  unit: string,
  baselineName: string,
  baselineValue: number,
  range?: readonly [number, number],
): BenchRow {
  return {
    section,
    name,
    value,
    unit,
    baseline: baselineName,
    ratio: value / baselineValue,
    ...(range === undefined ? {} : { range }),
  };
}

export function ratioRow(
  section: string,
  name: string,
  value: number,
  unit: string,
  baselineName: string,
  baselineValue: number,
  minRatio: number,
  ratio = value / baselineValue,
  range?: readonly [number, number],
): BenchRow {
  return {
    ...infoRow(section, name, value, unit, baselineName, baselineValue, range),
    ratio,
    target: `>= ${minRatio}x ${baselineName}`,
    ok: ratio >= minRatio,
  };
}
