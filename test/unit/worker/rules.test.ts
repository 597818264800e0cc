import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { onBattery } from "../../../worker/rule-battery.js";
import { IdleRule, parseProcStat, parseSelfStat } from "../../../worker/rule-idle.js";
import { parseSchedule, scheduleAllows, type WeekTime } from "../../../worker/rule-schedule.js";
import { checkRules, DEFAULT_RULES, readRulesFile, saveRulesFile } from "../../../worker/rules.js";
import { expectFoldnetError } from "../../helpers/errors.js";

const [SUN, MON, TUE, , , FRI, SAT] = [0, 1, 2, 3, 4, 5, 6];
const at = (day: number, hhmm: string): WeekTime => {
  const [h, m] = hhmm.split(":").map(Number);
  return { day, minute: (h as number) * 60 + (m as number) };
};
const allows = (text: string, day: number, hhmm: string) =>
  scheduleAllows(parseSchedule(text), at(day, hhmm));

describe("schedule", () => {
  it("runs weekday evenings into the next morning, and whole weekend days", () => {
    const s = "Mon-Fri 18:00-08:00; Sat-Sun";
    expect(allows(s, MON, "17:59")).toBe(false);
    expect(allows(s, MON, "18:00")).toBe(true);
    expect(allows(s, TUE, "07:59")).toBe(true); // Monday's night
    expect(allows(s, TUE, "08:00")).toBe(false);
    expect(allows(s, TUE, "12:00")).toBe(false);
    expect(allows(s, SAT, "12:00")).toBe(true);
    expect(allows(s, SUN, "23:59")).toBe(true);
    // Sunday has no evening range: Monday morning is not covered
    expect(allows(s, MON, "07:00")).toBe(false);
    // Friday's night runs into Saturday (covered anyway) and Saturday is whole
    expect(allows(s, SAT, "03:00")).toBe(true);
  });

  it("takes day lists, wrapping day ranges, several ranges, and times alone (every day)", () => {
    expect(allows("Mon,Wed,Fri 09:00-12:00,13:00-17:00", FRI, "12:30")).toBe(false);
    expect(allows("Mon,Wed,Fri 09:00-12:00,13:00-17:00", FRI, "13:00")).toBe(true);
    expect(allows("Mon,Wed,Fri 09:00-12:00,13:00-17:00", TUE, "10:00")).toBe(false);
    expect(allows("Fri-Mon", SUN, "10:00")).toBe(true);
    expect(allows("Fri-Mon", TUE, "10:00")).toBe(false);
    expect(allows("fri-mon", MON, "10:00")).toBe(true);
    expect(allows("22:00-06:00", TUE, "23:00")).toBe(true);
    expect(allows("22:00-06:00", TUE, "05:00")).toBe(true);
    expect(allows("22:00-06:00", TUE, "12:00")).toBe(false);
    expect(allows("Sat 00:00-24:00", SAT, "23:59")).toBe(true);
    expect(allows("Sat 20:00-00:00", SUN, "00:00")).toBe(false);
    // Saturday night's range ends on Sunday: the week wraps
    expect(allows("Sat 22:00-02:00", SUN, "01:59")).toBe(true);
  });

  it("normalises its text and refuses malformed schedules with the field", async () => {
    expect(parseSchedule("  Mon-Fri   18:00-08:00 ;Sat-Sun; ").text).toBe(
      "Mon-Fri   18:00-08:00; Sat-Sun",
    );
    for (const bad of [
      "",
      ";",
      "Mon-",
      "Funday",
      "Mon 25:00-26:00",
      "Mon 08:00",
      "Mon 9-17",
      "Mon 10:00-10:00",
      "Mon 10:60-11:00",
      "Mon-Tue-Wed",
    ])
      await expectFoldnetError(() => parseSchedule(bad), {
        code: "WORKER_ERROR_BAD_RULES",
        field: "schedule",
      });
  });
});

/** A fake /proc: machine busy/idle ticks and this process's ticks, advanced by the test. */
class FakeProc {
  busy = 1_000;
  idle = 1_000;
  self = 100;
  procStat = () =>
    `cpu  ${this.busy - 50} 0 50 ${this.idle - 10} 10 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n`;
  selfStat = () =>
    `4242 (node (foldnet) x) S 1 1 1 0 -1 4194304 0 0 0 0 ${this.self - 7} 7 0 0 20 0 9 0 1 2 3`;
  /** `ms` of a 2-CPU machine (100 ticks/s per CPU): the worker uses `selfPct`, others `otherPct` of it. */
  advance(ms: number, selfPct: number, otherPct: number) {
    const total = (ms / 10) * 2;
    const self = (total * selfPct) / 100;
    const other = (total * otherPct) / 100;
    this.self += self;
    this.busy += self + other;
    this.idle += total - self - other;
  }
}

describe("idle rule (fake /proc)", () => {
  it("parses the cpu line and utime + stime after a command name with spaces", () => {
    const p = new FakeProc();
    expect(parseProcStat(p.procStat())).toEqual({ busy: 1_000, total: 2_000 });
    expect(parseSelfStat(p.selfStat())).toBe(100);
  });

  it("counts only other programs' use, pauses at once and resumes after the calm period", () => {
    const proc = new FakeProc();
    const rule = new IdleRule(proc, 10_000);
    let t = 0;
    const step = (selfPct: number, otherPct: number) => {
      t += 1_000;
      proc.advance(1_000, selfPct, otherPct);
      return rule.sample(t, 25);
    };
    expect(rule.sample(t, 25)).toEqual({ otherPct: undefined, busy: true }); // not measured yet
    // the worker itself uses the whole machine: others 5 % → idle
    const calm = step(95, 5);
    expect(calm.busy).toBe(false);
    expect(calm.otherPct).toBeCloseTo(5, 5);
    // another program takes 30 %: busy at once
    expect(step(70, 30)).toMatchObject({ busy: true });
    expect(rule.current.otherPct).toBeCloseTo(30, 5);
    // back under the threshold: still busy for 10 s after the last busy sample
    for (let i = 1; i < 10; i++) expect(step(0, 10).busy).toBe(true);
    expect(step(0, 10).busy).toBe(false);
    // the threshold is the caller's
    expect(step(0, 10).busy).toBe(false);
    t += 1_000;
    proc.advance(1_000, 0, 10);
    expect(rule.sample(t, 10).busy).toBe(true);
  });

  it("counts as busy when /proc cannot be read", () => {
    const rule = new IdleRule(
      {
        procStat: () => {
          throw new Error("ENOENT");
        },
        selfStat: () => "",
      },
      0,
    );
    expect(rule.sample(0, 25)).toEqual({ otherPct: undefined, busy: true });
  });
});

describe("battery rule (fake /sys tree)", () => {
  const root = mkdtempSync(join(tmpdir(), "foldnet-power-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const tree = (name: string, supplies: Record<string, Record<string, string>>) => {
    const dir = join(root, name);
    for (const [supply, files] of Object.entries(supplies)) {
      mkdirSync(join(dir, supply), { recursive: true });
      for (const [file, text] of Object.entries(files))
        writeFileSync(join(dir, supply, file), `${text}\n`);
    }
    return dir;
  };

  it("is on battery only when a battery discharges and no mains supply is online", () => {
    const bat = (status: string) => ({ type: "Battery", status, capacity: "80" });
    expect(
      onBattery(
        tree("unplugged", { AC: { type: "Mains", online: "0" }, BAT0: bat("Discharging") }),
      ),
    ).toBe(true);
    expect(
      onBattery(tree("plugged", { AC: { type: "Mains", online: "1" }, BAT0: bat("Charging") })),
    ).toBe(false);
    expect(
      onBattery(tree("full", { ADP1: { type: "Mains", online: "1" }, BAT0: bat("Full") })),
    ).toBe(false);
    expect(
      onBattery(tree("usb-c", { ucsi: { type: "USB", online: "1" }, BAT1: bat("Discharging") })),
    ).toBe(false);
    expect(onBattery(tree("no-ac-file", { BAT0: bat("Discharging") }))).toBe(true);
    expect(onBattery(tree("desktop", { AC: { type: "Mains", online: "1" } }))).toBe(false);
    expect(onBattery(join(root, "absent"))).toBe(false);
  });
});

describe("rules", () => {
  const base = { ...DEFAULT_RULES, threads: 2 };

  it("applies a config object, then flags, and clears the schedule with null", () => {
    const fromFile = checkRules({ maxCpu: 50, schedule: "Sat-Sun", idleOnly: true }, base, 4);
    expect(fromFile).toEqual({ ...base, maxCpu: 50, schedule: "Sat-Sun", idleOnly: true });
    expect(checkRules({ threads: 4, schedule: null }, fromFile, 4)).toEqual({
      ...fromFile,
      threads: 4,
      schedule: undefined,
    });
  });

  it("refuses bad values and unknown fields, naming the field", async () => {
    const cases: [unknown, string][] = [
      [{ maxCpu: 0 }, "maxCpu"],
      [{ maxCpu: 101 }, "maxCpu"],
      [{ maxCpu: 50.5 }, "maxCpu"],
      [{ threads: 5 }, "threads"],
      [{ idleOnly: "yes" }, "idleOnly"],
      [{ idleThreshold: 0 }, "idleThreshold"],
      [{ schedule: 7 }, "schedule"],
      [{ schedule: "Mon 9-5" }, "schedule"],
      [{ maxcpu: 50 }, "maxcpu"],
      [[1], "rules"],
    ];
    for (const [changes, field] of cases)
      await expectFoldnetError(() => checkRules(changes, base, 4), {
        code: "WORKER_ERROR_BAD_RULES",
        field,
      });
  });

  it("saves rules into the config file and reads them back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "foldnet-rules-"));
    const file = join(dir, "worker.json");
    expect(readRulesFile(file)).toEqual({}); // not written yet
    const rules = checkRules({ maxCpu: 30, schedule: "Mon-Fri 18:00-08:00" }, base, 4);
    saveRulesFile(file, rules);
    expect(checkRules(readRulesFile(file), base, 4)).toEqual(rules);
    saveRulesFile(file, base);
    expect(JSON.parse(readFileSync(file, "utf8")).schedule).toBeNull();
    writeFileSync(file, "[]");
    await expectFoldnetError(() => readRulesFile(file), {
      code: "WORKER_ERROR_BAD_RULES",
      field: "config",
    });
    writeFileSync(file, "{");
    await expectFoldnetError(() => readRulesFile(file), {
      code: "WORKER_ERROR_BAD_RULES",
      field: "config",
    });
    rmSync(dir, { recursive: true, force: true });
  });
});
