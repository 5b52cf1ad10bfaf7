/**
 * The AES block cipher the portable transforms use: @noble/ciphers' round function and key
 * schedule (its `unsafe` exports), over little-endian words. noble builds them on
 * 1.28 MiB of lookup tables (two 256 x 256 word tables and a 16-bit S-box pair, for encryption
 * and again for decryption) when the module loads: fast, and the right trade in Node.
 * The mote firmware (scripts/build-mote.mjs) replaces this module with aes-small.ts, the same
 * functions on 5 KiB of tables, encryption only (its suites never decrypt a block: CTR, CCM,
 * XCBC and CMAC run AES forward).
 */
import { unsafe } from '@noble/ciphers/aes.js';

/** The parts of AES the transforms call (noble's word layout: little-endian 32-bit words). */
export interface AesBlock {
  expandKeyLE(key: Uint8Array): Uint32Array;
  expandKeyDecLE(key: Uint8Array): Uint32Array;
  encrypt(xk: Uint32Array, s0: number, s1: number, s2: number, s3: number): AesState;
  decrypt(xk: Uint32Array, s0: number, s1: number, s2: number, s3: number): AesState;
  /** Encrypts a 16-byte, 4-byte aligned block in place. */
  encryptBlock(xk: Uint32Array, block: Uint8Array): Uint8Array;
  /** CTR with a 32-bit counter (big-endian at the block's end when !isLE); aligned src and dst. */
  ctr32(xk: Uint32Array, isLE: boolean, nonce: Uint8Array, src: Uint8Array, dst?: Uint8Array): Uint8Array;
  /** The doubling in GF(2^128) of RFC 4493 §2.3 (CMAC subkeys), in place. */
  dbl(block: Uint8Array): Uint8Array;
}

export interface AesState {
  s0: number;
  s1: number;
  s2: number;
  s3: number;
}

export const aes: AesBlock = unsafe;
