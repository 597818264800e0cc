/**
 * The canonical byte encoding of a whole search state and its hash (docs/design.md
 * "Determinism contract"). Little-endian, fixed layout, no optional parts (see docs/sim.md):
 *
 *   "FNS1" · u8 lattice (wire code, sim/lattice.ts) · u16 n · n × u8 sequence (ASCII) ·
 *   u8 R · R × u32 temperature (milli) · u32 exchangeInterval · 4 × u32 xoshiro128** state ·
 *   u64 step · R × ((n−1) × u8 direction code · i32 energy) in temperature order ·
 *   i32 bestEnergy · u64 bestStep · (n−1) × u8 best direction codes
 *
 * for the HP model (the format of every state before models existed, unchanged). A state of
 * another model starts "FNS2" and has one more byte, u8 model (wire code, sim/model.ts),
 * right after the lattice; "FNS2" with the HP model is refused, so each state has one encoding.
 *
 * Decoding trusts nothing: every field is range-checked, every conformation laid out and its
 * energy recomputed, so a decoded state is a valid state.
 * @module
 */
import { createHash } from "node:crypto";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import { ByteReader, type ByteReaderErrors } from "../common/byte-reader.js";
import { SimError } from "./errors.js";
import { energyOfCoordinates, layOut } from "./fold.js";
import { latticeByWireCode, latticeSpec } from "./lattice.js";
import { MODEL_SPECS, modelSpec } from "./model.js";
import { MAX_REPLICAS, resolveSearchParams, type SearchParams } from "./params.js";
import type { SearchSnapshot } from "./search-snapshot.js";

const MAGIC_HP = [0x46, 0x4e, 0x53, 0x31]; // "FNS1"
const MAGIC_MODEL = [0x46, 0x4e, 0x53, 0x32]; // "FNS2": one more byte, the model
/** Domain tag of state hashes: sha256(tag ‖ 0x00 ‖ state bytes). */
const STATE_HASH_PREFIX = Uint8Array.of(...utf8ToBytes("foldnet/v1/sim-state"), 0);

/** Encodes a snapshot canonically. */
export function encodeState(s: SearchSnapshot): Uint8Array {
  const n = s.params.sequence.length;
  const replicas = s.params.temperaturesMilli.length;
  const model = modelSpec(s.params.model).wireCode;
  const size =
    4 +
    1 +
    (model === 0 ? 0 : 1) +
    2 +
    n +
    1 +
    4 * replicas +
    4 +
    16 +
    8 +
    replicas * (n - 1 + 4) +
    4 +
    8 +
    (n - 1);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let at = 0;
  bytes.set(model === 0 ? MAGIC_HP : MAGIC_MODEL, at);
  at += 4;
  view.setUint8(at++, latticeSpec(s.params.lattice).wireCode);
  if (model !== 0) view.setUint8(at++, model);
  view.setUint16(at, n, true);
  at += 2;
  bytes.set(utf8ToBytes(s.params.sequence), at);
  at += n;
  view.setUint8(at++, replicas);
  for (const t of s.params.temperaturesMilli) {
    view.setUint32(at, t, true);
    at += 4;
  }
  view.setUint32(at, s.params.exchangeInterval, true);
  at += 4;
  for (const word of s.rng) {
    view.setUint32(at, word, true);
    at += 4;
  }
  view.setBigUint64(at, BigInt(s.step), true);
  at += 8;
  for (const r of s.replicas) {
    bytes.set(r.directions, at);
    at += n - 1;
    view.setInt32(at, r.energy, true);
    at += 4;
  }
  view.setInt32(at, s.bestEnergy, true);
  at += 4;
  view.setBigUint64(at, BigInt(s.bestStep), true);
  at += 8;
  bytes.set(s.bestDirections, at);
  return bytes;
}

/**
 * The state hash: sha256 over a domain tag, a zero byte and the canonical encoding. node:crypto's
 * native sha256 (same digest as @noble/hashes, ≈ 3× faster on a 743-byte state): a worker hashes
 * a state every segment, 65,536 times per default unit (docs/verification.md).
 */
export function stateHash(state: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(STATE_HASH_PREFIX).update(state).digest());
}

/** A state's reads fail with SIM_ERROR_BAD_STATE naming the field. */
const STATE_READ_ERRORS: ByteReaderErrors = {
  truncated: (field) => badState(field, "is truncated"),
  unsafe: (field) => badState(field, "exceeds 2^53 − 1"),
  trailing: () => badState("state", "has trailing bytes"),
};

function badState(field: string, what: string): SimError {
  return new SimError({ code: "SIM_ERROR_BAD_STATE", field }, `state field ${field} ${what}`);
}

/** The leading fields of a state: what search it is and how far it has run. */
export interface StateHeader {
  readonly params: SearchParams;
  readonly rng: Uint32Array;
  readonly step: number;
}

/** Reads and validates the fields before the conformations. */
function readHeader(r: ByteReader): StateHeader {
  const magic = r.take(4, "magic");
  const withModel = MAGIC_MODEL.every((b, i) => b === magic[i]);
  if (!withModel && magic.some((b, i) => b !== MAGIC_HP[i]))
    throw badState("magic", "is not FNS1 or FNS2");
  const lattice = latticeByWireCode(r.u8("lattice"))?.name;
  if (lattice === undefined) throw badState("lattice", "is not a known lattice code");
  const model = withModel ? MODEL_SPECS[r.u8("model")]?.name : "hp";
  if (model === undefined || (withModel && model === "hp"))
    throw badState("model", "is not a known model code other than hp");
  const n = r.u16("length");
  const sequence = new TextDecoder().decode(r.take(n, "sequence"));
  const replicaCount = r.u8("replicas");
  if (replicaCount < 1 || replicaCount > MAX_REPLICAS)
    throw badState("replicas", `is outside 1…${MAX_REPLICAS}`);
  const temperaturesMilli: number[] = [];
  for (let k = 0; k < replicaCount; k++) temperaturesMilli.push(r.u32(`temperaturesMilli[${k}]`));
  const exchangeInterval = r.u32("exchangeInterval");
  const params = resolveSearchParams({
    sequence,
    lattice,
    model,
    temperaturesMilli,
    exchangeInterval,
  });
  const rng = new Uint32Array(4);
  for (let k = 0; k < 4; k++) rng[k] = r.u32(`rng[${k}]`);
  if (rng.every((w) => w === 0)) throw badState("rng", "is the all-zero state");
  return { params, rng, step: r.u64Number("step") };
}

/**
 * Reads only the leading fields of a state (its search and step counter), validating them but
 * not the conformations: a cheap look before a replay that decodes the whole state anyway.
 * @throws {SimError} SIM_ERROR_BAD_STATE (or a parameter error) naming the field.
 */
export function peekStateHeader(bytes: Uint8Array): StateHeader {
  return readHeader(new ByteReader(bytes, STATE_READ_ERRORS));
}

/**
 * Decodes and fully validates a canonical state.
 * @throws {SimError} SIM_ERROR_BAD_STATE (or the sequence/fold/parameter error) naming the field.
 */
export function decodeState(bytes: Uint8Array): SearchSnapshot {
  const r = new ByteReader(bytes, STATE_READ_ERRORS);
  const { params, rng, step } = readHeader(r);
  const n = params.sequence.length;
  const replicaCount = params.temperaturesMilli.length;
  const replicas = [];
  for (let k = 0; k < replicaCount; k++) {
    const directions = Uint8Array.from(r.take(n - 1, `replicas[${k}].directions`));
    const energy = r.i32(`replicas[${k}].energy`);
    checkEnergy(params, directions, energy, `replicas[${k}]`);
    replicas.push({ directions, energy });
  }
  const bestEnergy = r.i32("bestEnergy");
  const bestStep = r.u64Number("bestStep");
  const bestDirections = Uint8Array.from(r.take(n - 1, "bestDirections"));
  r.end();
  checkEnergy(params, bestDirections, bestEnergy, "best");
  if (bestStep > step) throw badState("bestStep", "is after step");
  if (replicas.some((rep) => rep.energy < bestEnergy))
    throw badState("bestEnergy", "is above a replica's energy");
  return { params, rng, step, replicas, bestEnergy, bestStep, bestDirections };
}

/** Lays out a conformation (validating codes and self-avoidance) and checks its stated energy. */
function checkEnergy(
  params: SearchParams,
  directions: Uint8Array,
  energy: number,
  field: string,
): void {
  const { sequence, lattice, model } = params;
  const codes = latticeSpec(lattice).vectors.length;
  if (directions.some((d) => d >= codes))
    throw badState(`${field}.directions`, `has a code ≥ ${codes}`);
  if (
    energyOfCoordinates(sequence, layOut(directions, lattice, field), lattice, model) !== energy
  ) {
    throw badState(`${field}.energy`, "does not match the conformation");
  }
}
