import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { AppError } from "@switchyard/errors";

/** A sealed value as stored: base64 of the IV, the GCM tag and the ciphertext. */
export interface Sealed {
  iv: string;
  tag: string;
  ciphertext: string;
}

/** AES-256-GCM under the service's key. The context (a credential's name) is authenticated, so a value copied to another name does not open. */
export interface SecretBox {
  seal(plaintext: string, context: string): Sealed;
  open(sealed: Sealed, context: string): string;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error("the secret key must be 32 bytes");
  return {
    seal(plaintext, context) {
      // A fresh random 96-bit IV per write: GCM must never reuse one under the same key.
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(context, "utf8"));
      const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return { iv: iv.toString("base64"), tag: cipher.getAuthTag().toString("base64"), ciphertext: ciphertext.toString("base64") };
    },
    open(sealed, context) {
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(sealed.iv, "base64"), { authTagLength: 16 });
        decipher.setAAD(Buffer.from(context, "utf8"));
        decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
        return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, "base64")), decipher.final()]).toString("utf8");
      } catch (error) {
        throw new AppError("internal", "a stored secret could not be decrypted: was SWITCHYARD_SECRET_KEY changed?", { cause: error });
      }
    },
  };
}
