/**
 * The `--pause-on-battery` rule: whether the machine runs on battery, from the power supplies
 * Linux lists in `/sys/class/power_supply/<name>/{type,online,status}`. On battery means a
 * battery reports `Discharging` and no mains (or USB) supply is online; a machine without a
 * battery, or where the directory does not exist (not Linux, a container), never is. The
 * directory is a parameter, so tests point it at a fake tree.
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Where Linux lists power supplies. */
export const POWER_SUPPLY_DIR = "/sys/class/power_supply";

function read(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Whether the machine runs on battery now. */
export function onBattery(dir: string = POWER_SUPPLY_DIR): boolean {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return false;
  }
  let discharging = false;
  for (const name of names) {
    const type = read(join(dir, name, "type"));
    if (type === "Battery") {
      if (read(join(dir, name, "status")) === "Discharging") discharging = true;
    } else if (read(join(dir, name, "online")) === "1") {
      return false; // Mains, USB, USB_C …: on external power
    }
  }
  return discharging;
}
