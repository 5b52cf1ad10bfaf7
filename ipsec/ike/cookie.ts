/**
 * Stateless cookies (RFC 7296 §2.6): Cookie = <VersionIDofSecret> | Hash(Ni | IPi | SPIi | <secret>).
 * The responder keeps the current and the previous secret, so cookies issued just before a
 * rotation still verify ("for a short time", §2.6).
 */
import type { CryptoProvider, RandomBytes } from '../crypto/types.js';
import { concatBytes, equalBytes } from '../util/bytes.js';

/** Implementation choices: 4-octet secret version, SHA-256, 32-octet secrets. */
const VERSION_LENGTH = 4;
const SECRET_LENGTH = 32;

interface Secret {
  readonly version: number;
  readonly bytes: Uint8Array;
}

export interface CookieInputs {
  /** Ni data (the nonce of the initiator's IKE_SA_INIT). */
  readonly ni: Uint8Array;
  /** The initiator's IP address as octets (4 or 16). */
  readonly ipi: Uint8Array;
  readonly spii: Uint8Array;
}

export class CookieJar {
  private current: Secret;
  private previous: Secret | undefined;

  constructor(
    private readonly provider: CryptoProvider,
    private readonly random: RandomBytes,
  ) {
    this.current = { version: 1, bytes: random(SECRET_LENGTH) };
  }

  /** Replaces the secret (call periodically); the old one stays valid until the next rotation. */
  rotate(): void {
    this.previous?.bytes.fill(0);
    this.previous = this.current;
    this.current = { version: (this.current.version + 1) >>> 0, bytes: this.random(SECRET_LENGTH) };
  }

  private compute(secret: Secret, inputs: CookieInputs): Uint8Array {
    const version = new Uint8Array(VERSION_LENGTH);
    new DataView(version.buffer).setUint32(0, secret.version);
    const hash = this.provider.hash('sha256', concatBytes(inputs.ni, inputs.ipi, inputs.spii, secret.bytes));
    return concatBytes(version, hash);
  }

  issue(inputs: CookieInputs): Uint8Array {
    return this.compute(this.current, inputs);
  }

  verify(cookie: Uint8Array, inputs: CookieInputs): boolean {
    if (cookie.length !== VERSION_LENGTH + 32) return false;
    const version = new DataView(cookie.buffer, cookie.byteOffset, VERSION_LENGTH).getUint32(0);
    const secret = [this.current, this.previous].find((s) => s?.version === version);
    return secret !== undefined && equalBytes(cookie, this.compute(secret, inputs));
  }
}
