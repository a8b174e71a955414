/**
 * Benchmark helpers. The machine is shared and noisy, so every figure is reported as a ratio
 * against a baseline measured in the same run, with candidate and baseline interleaved.
 */
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

/** Operations per wall-clock second with `inFlight` async operations kept running at once. */
export async function opsPerSecondConcurrent(
  fn: () => Promise<unknown>,
  ms: number,
  inFlight: number,
): Promise<number> {
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  const worker = async () => {
    while (process.hrtime.bigint() < end) {
      await fn();
      n++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
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
  const samples: Record<string, number[]> = {};
  for (const name of Object.keys(contenders)) samples[name] = [];
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of Object.entries(contenders)) samples[name]!.push(await run());
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

/**
 * For ratios against a baseline on a noisy shared machine: in each round every contender runs
 * next to a baseline run of its own (`baseline(name)`, which may mirror the contender's
 * requests), and its ratio sample is taken against that adjacent run. The order alternates
 * (baseline first in even rounds, contender first in odd ones) so that whatever the second run
 * of a pair gains or loses from the first does not lean every ratio the same way.
 * Returns the median value of each contender and of the baseline, and the median ratio.
 */
export async function pairedRatios(
  baseline: (contender: string) => Promise<number>,
  contenders: Record<string, () => Promise<number>>,
  rounds = 5,
): Promise<{ baseline: number; values: Record<string, number>; ratios: Record<string, number> }> {
  const base: number[] = [];
  const values: Record<string, number[]> = {};
  const ratios: Record<string, number[]> = {};
  for (const name of Object.keys(contenders)) {
    values[name] = [];
    ratios[name] = [];
  }
  for (let r = 0; r < rounds; r++) {
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
      values[name]!.push(v);
      ratios[name]!.push(v / b);
    }
  }
  const medians = (m: Record<string, number[]>) =>
    Object.fromEntries(Object.entries(m).map(([k, v]) => [k, median(v)]));
  return { baseline: median(base), values: medians(values), ratios: medians(ratios) };
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
): BenchRow {
  return {
    section,
    name,
    value,
    unit,
    baseline: baselineName,
    ratio,
    target: `>= ${minRatio}x ${baselineName}`,
    ok: ratio >= minRatio,
  };
}
