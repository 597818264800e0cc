/**
 * The `--idle-only` rule: the worker runs only while the machine's *other* CPU use stays under
 * a threshold. Other use is the machine's busy time from `/proc/stat` (all CPUs) less this
 * process's own time from `/proc/self/stat` (its threads included), as a share of the
 * machine's capacity between two samples. Busy pauses at once; after a busy sample the
 * worker resumes only once other use has stayed under the threshold for `calmMs`, so a
 * program that works in bursts does not make it start and stop every second.
 * The files are read through an injected reader (tests pass a fake /proc).
 * @module
 */

/** Reads the two files the rule needs (`/proc/stat`, `/proc/self/stat`). */
export interface ProcReader {
  procStat(): string;
  selfStat(): string;
}

/** The real /proc. */
export function systemProcReader(readText: (file: string) => string): ProcReader {
  return {
    procStat: () => readText("/proc/stat"),
    selfStat: () => readText("/proc/self/stat"),
  };
}

/** CPU time of the whole machine, in clock ticks. */
export interface MachineTimes {
  readonly busy: number;
  readonly total: number;
}

/**
 * The aggregate `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal
 * (guest time is already inside user). Idle and iowait are idle; the rest busy.
 * @throws {Error} when the text has no `cpu` line.
 */
export function parseProcStat(text: string): MachineTimes {
  const line = text.split("\n").find((l) => l.startsWith("cpu "));
  if (line === undefined) throw new Error("/proc/stat has no cpu line");
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, soft = 0, steal = 0] = f;
  const busy = user + nice + system + irq + soft + steal;
  return { busy, total: busy + idle + iowait };
}

/**
 * utime + stime of a /proc/<pid>/stat (or task stat) line, in clock ticks. The command name
 * may hold spaces and parentheses, so fields are counted after the last `)`.
 * @throws {Error} when the line is not a stat line.
 */
export function parseSelfStat(text: string): number {
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error("not a stat line");
  return utime + stime;
}

/** What the rule saw at its last sample. */
export interface IdleSample {
  /** Other processes' CPU use, % of the machine, over the last interval (undefined at first). */
  readonly otherPct: number | undefined;
  /** Whether the machine counts as busy (the worker must not run). */
  readonly busy: boolean;
}

/** The idle rule's state between samples. */
export class IdleRule {
  private last: { machine: MachineTimes; self: number } | undefined;
  private lastBusyMs = Number.NEGATIVE_INFINITY;
  private sampled: IdleSample = { otherPct: undefined, busy: true };

  constructor(
    private readonly reader: ProcReader,
    private readonly calmMs: number,
  ) {}

  /** The last sample. */
  get current(): IdleSample {
    return this.sampled;
  }

  /**
   * Takes a sample at `nowMs` and decides with `thresholdPct`: busy when other use is at or
   * above it, or was within `calmMs`; busy also before the first interval is measured (and
   * when /proc cannot be read).
   */
  sample(nowMs: number, thresholdPct: number): IdleSample {
    let now: { machine: MachineTimes; self: number };
    try {
      now = {
        machine: parseProcStat(this.reader.procStat()),
        self: parseSelfStat(this.reader.selfStat()),
      };
    } catch {
      this.last = undefined;
      this.sampled = { otherPct: undefined, busy: true };
      return this.sampled;
    }
    const before = this.last;
    this.last = now;
    if (before === undefined || now.machine.total <= before.machine.total) {
      this.sampled = { otherPct: this.sampled.otherPct, busy: this.sampled.busy };
      return this.sampled;
    }
    const other = now.machine.busy - before.machine.busy - (now.self - before.self);
    const otherPct = Math.max(0, (100 * other) / (now.machine.total - before.machine.total));
    if (otherPct >= thresholdPct) this.lastBusyMs = nowMs;
    this.sampled = { otherPct, busy: nowMs - this.lastBusyMs < this.calmMs };
    return this.sampled;
  }
}
