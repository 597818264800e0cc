/**
 * The `--schedule` rule: when a volunteer lets the worker run, as weekly windows in local
 * time, e.g. `Mon-Fri 18:00-08:00; Sat-Sun`. Entries are separated by `;`; each is a day
 * list (`Mon`, `Mon-Fri`, `Fri-Mon` wraps, `Mon,Wed,Sat-Sun`; absent = every day) and time
 * ranges (`HH:MM-HH:MM`, comma-separated; absent = the whole day). A range whose end is not
 * after its start runs overnight: `Mon 18:00-08:00` is Monday 18:00 to Tuesday 08:00.
 * Parsing and evaluation are pure (the caller passes the local weekday and minute).
 * @module
 */
import { WorkerError } from "./errors.js";

const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
const MINUTES_PER_DAY = 24 * 60;

/** A moment in the week, local time: `day` 0 = Sunday … 6 = Saturday, `minute` 0…1439. */
export interface WeekTime {
  readonly day: number;
  readonly minute: number;
}

/** One interval within a single day: [start, end) minutes of `day`. */
interface DaySpan {
  readonly day: number;
  readonly start: number;
  readonly end: number;
}

/** A parsed schedule: its text and the spans it allows. */
export interface Schedule {
  readonly text: string;
  readonly spans: readonly DaySpan[];
}

const bad = (reason: string) =>
  new WorkerError({ code: "WORKER_ERROR_BAD_RULES", field: "schedule" }, `schedule: ${reason}`);

function dayIndex(name: string): number {
  const i = DAY_NAMES.indexOf(name.toLowerCase() as (typeof DAY_NAMES)[number]);
  if (i < 0) throw bad(`"${name}" is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)`);
  return i;
}

/** `Mon-Fri,Sun` → the weekdays it names (a range wraps past Sunday). */
function parseDays(text: string): number[] {
  const days = new Set<number>();
  for (const part of text.split(",")) {
    const [from, to, extra] = part.split("-");
    if (from === undefined || extra !== undefined) throw bad(`bad day list "${text}"`);
    const first = dayIndex(from.trim());
    const last = to === undefined ? first : dayIndex(to.trim());
    for (let d = first; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === last) break;
    }
  }
  return [...days];
}

/** `HH:MM` → minutes; `24:00` only where `allowEnd`. */
function parseClock(text: string, allowEnd: boolean): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (m === null) throw bad(`"${text}" is not a time (HH:MM)`);
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  if (Number(m[2]) > 59 || minutes > MINUTES_PER_DAY || (minutes === MINUTES_PER_DAY && !allowEnd))
    throw bad(`"${text}" is not a time of day`);
  return minutes;
}

/** The spans of one `HH:MM-HH:MM` range starting on `day`. */
function rangeSpans(day: number, range: string): DaySpan[] {
  const [from, to, extra] = range.split("-");
  if (from === undefined || to === undefined || extra !== undefined)
    throw bad(`"${range}" is not a time range (HH:MM-HH:MM)`);
  const start = parseClock(from, false);
  const end = parseClock(to, true);
  if (end > start) return [{ day, start, end }];
  if (end === start) throw bad(`"${range}" is empty (write 00:00-24:00 for a whole day)`);
  return [
    { day, start, end: MINUTES_PER_DAY },
    ...(end === 0 ? [] : [{ day: (day + 1) % 7, start: 0, end }]),
  ];
}

/**
 * Parses a schedule.
 * @throws {WorkerError} WORKER_ERROR_BAD_RULES (field `schedule`) naming what is wrong.
 */
export function parseSchedule(text: string): Schedule {
  const spans: DaySpan[] = [];
  const entries = text
    .split(";")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  if (entries.length === 0) throw bad("no entries");
  for (const entry of entries) {
    const words = entry.split(/\s+/);
    const hasDays = /^[A-Za-z]/.test(words[0] as string);
    const days = hasDays ? parseDays(words[0] as string) : [0, 1, 2, 3, 4, 5, 6];
    const ranges = words.slice(hasDays ? 1 : 0).join("");
    for (const day of days) {
      if (ranges === "") spans.push({ day, start: 0, end: MINUTES_PER_DAY });
      else for (const range of ranges.split(",")) spans.push(...rangeSpans(day, range));
    }
  }
  return { text: entries.join("; "), spans };
}

/** Whether the schedule lets the worker run at `t`. */
export function scheduleAllows(schedule: Schedule, t: WeekTime): boolean {
  return schedule.spans.some((s) => s.day === t.day && t.minute >= s.start && t.minute < s.end);
}

/** The local weekday and minute of a Unix time in ms (the process's time zone). */
export function localWeekTime(ms: number): WeekTime {
  const d = new Date(ms);
  return { day: d.getDay(), minute: d.getHours() * 60 + d.getMinutes() };
}
