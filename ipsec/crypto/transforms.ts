/**
 * The transforms this stack implements (transform-table.ts), looked up by IANA id.
 */
import { ENCR_TRANSFORMS, INTEG_TRANSFORMS, KE_TRANSFORMS, PRF_TRANSFORMS } from './transform-table.js';
import type { EncrTransform, IntegTransform, KeTransform, PrfTransform } from './types.js';

export { ENCR_TRANSFORMS, INTEG_TRANSFORMS, KE_TRANSFORMS, PRF_TRANSFORMS } from './transform-table.js';

/** Looks up an encryption transform; `keyBits` is required for ciphers with a Key Length attribute. */
export function encrTransform(id: number, keyBits?: number): EncrTransform | undefined {
  return ENCR_TRANSFORMS.find(
    (t) =>
      t.id === id &&
      (t.keyLengthAttribute ? t.keyBits === keyBits : keyBits === undefined || keyBits === t.keyBits),
  );
}

export const integTransform = (id: number): IntegTransform | undefined =>
  INTEG_TRANSFORMS.find((t) => t.id === id);
export const prfTransform = (id: number): PrfTransform | undefined => PRF_TRANSFORMS.find((t) => t.id === id);
export const keTransform = (id: number): KeTransform | undefined => KE_TRANSFORMS.find((t) => t.id === id);

/** Typed lookups for code and tests that name a transform that must exist. */
export function mustEncr(id: number, keyBits?: number): EncrTransform {
  const t = encrTransform(id, keyBits);
  if (!t) throw new Error(`no encryption transform ${id}/${keyBits}`);
  return t;
}
export function mustInteg(id: number): IntegTransform {
  const t = integTransform(id);
  if (!t) throw new Error(`no integrity transform ${id}`);
  return t;
}
export function mustPrf(id: number): PrfTransform {
  const t = prfTransform(id);
  if (!t) throw new Error(`no PRF transform ${id}`);
  return t;
}
export function mustKe(id: number): KeTransform {
  const t = keTransform(id);
  if (!t) throw new Error(`no key exchange method ${id}`);
  return t;
}

/** The sizes an implementation builds a cipher for (its RFC's): checked against a descriptor. */
export interface EncrShape {
  readonly keyBits: readonly number[];
  readonly salt: number;
  readonly iv: number;
  readonly icv: number;
}

/** True when the descriptor's sizes are the ones the implementation's RFC fixes. */
export function encrMatchesShape(t: EncrTransform, shape: EncrShape): boolean {
  return (
    shape.keyBits.includes(t.keyBits) &&
    t.saltLength === shape.salt &&
    t.ivLength === shape.iv &&
    t.icvLength === shape.icv &&
    t.aead === shape.icv > 0 &&
    t.keyLength === t.keyBits / 8 + shape.salt
  );
}
