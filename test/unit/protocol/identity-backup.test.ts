import { bytesToHex } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { generateIdentity } from "../../../protocol/identity.js";
import { backupIdentity, restoreIdentity } from "../../../protocol/identity-backup.js";
import { expectFoldnetError } from "../../helpers/errors.js";

describe("wallet backup: scrypt + AES-256-GCM under a passphrase", () => {
  const me = generateIdentity();
  const backup = JSON.parse(JSON.stringify(backupIdentity(me, "correct horse battery staple")));

  it("restores the same keys with the passphrase, and never holds the secret key in clear", () => {
    const restored = restoreIdentity(backup, "correct horse battery staple");
    expect(bytesToHex(restored.secretKey)).toBe(bytesToHex(me.secretKey));
    expect(JSON.stringify(backup)).not.toContain(bytesToHex(me.secretKey));
    // a fresh salt and nonce each time: two backups of one key differ
    expect(backupIdentity(me, "x").ciphertext).not.toBe(backup.ciphertext);
  });

  it("refuses a wrong passphrase and any changed sealed byte, public key included", async () => {
    await expectFoldnetError(() => restoreIdentity(backup, "wrong"), {
      code: "BACKUP_ERROR_WRONG_PASSPHRASE",
    });
    const flipped = `${backup.ciphertext.slice(0, -1)}${backup.ciphertext.endsWith("0") ? "1" : "0"}`;
    await expectFoldnetError(
      () => restoreIdentity({ ...backup, ciphertext: flipped }, "correct horse battery staple"),
      { code: "BACKUP_ERROR_WRONG_PASSPHRASE" },
    );
    const other = bytesToHex(generateIdentity().publicKey);
    await expectFoldnetError(
      () => restoreIdentity({ ...backup, publicKey: other }, "correct horse battery staple"),
      { code: "BACKUP_ERROR_WRONG_PASSPHRASE" },
    );
  });

  it("refuses malformed files and costs a hostile file could use to exhaust memory", async () => {
    await expectFoldnetError(() => restoreIdentity("nope", "p"), {
      code: "BACKUP_ERROR_CORRUPT",
      field: "format",
    });
    for (const N of [3, 2 ** 24]) {
      await expectFoldnetError(
        () => restoreIdentity({ ...backup, kdf: { ...backup.kdf, N } }, "p"),
        {
          code: "BACKUP_ERROR_CORRUPT",
          field: "kdf",
        },
      );
    }
    await expectFoldnetError(
      () => restoreIdentity({ ...backup, cipher: { ...backup.cipher, tag: "00" } }, "p"),
      {
        code: "BACKUP_ERROR_CORRUPT",
        field: "cipher",
      },
    );
  });
});
