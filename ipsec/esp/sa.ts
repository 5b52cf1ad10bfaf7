/**
 * ESP SA state: the SAD entry fields the data path needs (RFC 4301 §4.4.2.1): SPI,
 * direction, mode, keyed transforms, ESN flag, the sequence number counter (outbound) or the
 * anti-replay window (inbound), lifetime counters, and an IV source for outbound SAs.
 *
 * The object is mutable state owned by one SAD entry: espEncapsulate advances `seq`,
 * espDecapsulate commits to `replay`, both count `lifetime` and may set `dead`. Creation is
 * total (Result); the policy layer owns soft-lifetime decisions by reading `lifetime`.
 *
 * Lifecycle: createEspSa / createEspSaFromKeys -> espEncapsulate | espDecapsulate per packet
 * -> destroyEspSa (or `dead` set by sequence exhaustion / a hard limit) -> rekey.
 */
import { EncrId } from '../crypto/ids.js';
import type {
  Cipher,
  CryptoProvider,
  EncrTransform,
  IntegTransform,
  Mac,
  RandomBytes,
} from '../crypto/types.js';
import { writeU32 } from '../packet/wire.js';
import { err, ok, type Result } from '../result.js';
import { type Allocate, packetAllocator } from '../util/slab.js';
import { DEFAULT_REPLAY_WINDOW, MAX_SEQUENCE_NUMBER, ReplayWindow } from './replay.js';

export type EspDirection = 'inbound' | 'outbound';
export type EspMode = 'tunnel' | 'transport';

/**
 * Supplies the explicit IV of the packet with 64-bit sequence number `seq` (RFC 4303 §2.3).
 * Must return exactly `length` bytes.
 */
export type IvSource = (length: number, seq: number) => Uint8Array;

/** RFC 4303 §2.1: SPIs 1-255 are reserved by IANA, 0 for local use (never sent). */
export const MIN_ESP_SPI = 256;
export const MAX_ESP_SPI = 0xffff_ffff;
/** RFC 4303 §3.3.3: without ESN the counter must not cycle past 2^32 - 1. */
export const MAX_SEQUENCE_NUMBER_32 = 0xffff_ffff;

const TWO_32 = 0x1_0000_0000;

export interface EspLimits {
  /** Hard lifetime in bytes of payload (RFC 4301 §4.4.2.1 "Lifetime of this SA"). */
  readonly bytes?: number;
  readonly packets?: number;
}

export interface EspLifetime {
  /** Payload (inner packet) bytes protected or accepted. */
  bytes: number;
  packets: number;
}

/** No hard limit: shared by every SA without one (never mutated). */
const NO_LIMITS: EspLimits = Object.freeze({});

export interface EspSaConfig {
  /** The SPI carried in the packets: for an outbound SA the peer chose it. */
  readonly spi: number;
  readonly direction: EspDirection;
  readonly mode: EspMode;
  readonly cipher: Cipher;
  /** Absent for AEAD ciphers (RFC 4303 §3.2.3); may be absent for confidentiality-only SAs. */
  readonly mac?: Mac;
  /** Extended Sequence Numbers negotiated (RFC 4303 §2.2.1, RFC 7296 §3.3.2 Transform Type 5). */
  readonly esn?: boolean;
  /** Inbound: anti-replay window size (default 128). */
  readonly replayWindow?: number;
  /** Outbound with an explicit IV: where IVs come from (see sequenceIv / randomIv / defaultIvSource). */
  readonly ivSource?: IvSource;
  /** Hard limits: reaching one ends the SA (encapsulate fails, decapsulate drops). */
  readonly hardLimits?: EspLimits;
  /** Outbound: where packet buffers come from (default: the process-wide slab allocator). */
  readonly allocate?: Allocate;
}

export interface EspSa {
  readonly spi: number;
  readonly direction: EspDirection;
  readonly mode: EspMode;
  readonly cipher: Cipher;
  readonly mac: Mac | undefined;
  readonly esn: boolean;
  readonly aead: boolean;
  readonly ivLength: number;
  /** ICV length on the wire: the AEAD tag or the truncated MAC (0 without integrity). */
  readonly icvLength: number;
  /** RFC 4303 §2.4: plaintext | padding | pad length | next header aligns to max(block size, 4). */
  readonly alignment: number;
  /** The highest sequence number this SA may send: 2^32 - 1, or with ESN 2^53 - 1 (implementation limit). */
  readonly maxSeq: number;
  readonly ivSource: IvSource | undefined;
  readonly hardLimits: EspLimits;
  readonly allocate: Allocate;
  /** Outbound: the sequence number of the last packet sent (0 = none yet). Unused inbound. */
  seq: number;
  /** Inbound only. */
  readonly replay: ReplayWindow | undefined;
  readonly lifetime: EspLifetime;
  /** No further packets: sequence space exhausted, hard limit reached, or destroyed. */
  dead: boolean;
}

export type EspSaErrorCode =
  | 'invalid-spi'
  | 'invalid-transforms'
  | 'invalid-replay-window'
  | 'missing-iv-source';

export interface EspSaError {
  readonly code: EspSaErrorCode;
  readonly message: string;
}

const saError = (code: EspSaErrorCode, message: string): EspSaError => ({ code, message });

export function isValidEspSpi(spi: number): boolean {
  return Number.isInteger(spi) && spi >= MIN_ESP_SPI && spi <= MAX_ESP_SPI;
}

/** Builds the SA state from keyed transforms. Total: invalid configurations are a Result error. */
export function createEspSa(config: EspSaConfig): Result<EspSa, EspSaError> {
  const { cipher, mac } = config;
  const t = cipher.transform;
  if (!isValidEspSpi(config.spi))
    return err(saError('invalid-spi', `SPI ${config.spi} is reserved or out of range`));
  // RFC 4303 §3.2.3 / RFC 7296 §3.3: a combined-mode cipher carries its own ICV, no INTEG.
  if (t.aead && mac)
    return err(saError('invalid-transforms', `${t.name} is an AEAD: no integrity transform`));
  // RFC 4303 §3.2: confidentiality and integrity may not both be NULL.
  if (t.id === EncrId.NULL && !mac)
    return err(saError('invalid-transforms', 'ENCR_NULL needs an integrity transform'));
  const replayWindow = config.replayWindow ?? DEFAULT_REPLAY_WINDOW;
  if (config.direction === 'inbound' && !ReplayWindow.isValidSize(replayWindow))
    return err(saError('invalid-replay-window', `replay window ${replayWindow}`));
  if (config.direction === 'outbound' && t.ivLength > 0 && !config.ivSource)
    return err(saError('missing-iv-source', `${t.name} needs an IV source`));
  const esn = config.esn ?? false;
  return ok({
    spi: config.spi,
    direction: config.direction,
    mode: config.mode,
    cipher,
    mac,
    esn,
    aead: t.aead,
    ivLength: t.ivLength,
    icvLength: t.aead ? t.icvLength : (mac?.transform.icvLength ?? 0),
    alignment: Math.max(t.blockSize, 4), // RFC 4303 §2.4: ciphertext ends on a 4-byte boundary
    maxSeq: esn ? MAX_SEQUENCE_NUMBER : MAX_SEQUENCE_NUMBER_32,
    ivSource: config.ivSource,
    hardLimits:
      config.hardLimits?.bytes !== undefined || config.hardLimits?.packets !== undefined
        ? config.hardLimits
        : NO_LIMITS,
    allocate: config.allocate ?? packetAllocator,
    seq: 0,
    replay: config.direction === 'inbound' ? new ReplayWindow(replayWindow) : undefined,
    lifetime: { bytes: 0, packets: 0 },
    dead: false,
  });
}

export interface EspSaKeys {
  readonly provider: CryptoProvider;
  readonly encr: EncrTransform;
  /** KEYMAT slice for the cipher, salt included (RFC 7296 §2.17). */
  readonly encrKey: Uint8Array;
  readonly integ?: IntegTransform;
  readonly integKey?: Uint8Array;
  /** Outbound: randomness for CBC IVs (defaultIvSource); ignored if `ivSource` is given. */
  readonly random?: RandomBytes;
}

/**
 * Keys the transforms with `provider` and creates the SA. The provider throws CryptoError on
 * a key of the wrong length (a programming error: KEYMAT is sliced by the descriptors).
 */
export function createEspSaFromKeys(
  keys: EspSaKeys,
  config: Omit<EspSaConfig, 'cipher' | 'mac'>,
): Result<EspSa, EspSaError> {
  if ((keys.integ === undefined) !== (keys.integKey === undefined))
    return err(saError('invalid-transforms', 'integrity transform and key go together'));
  const cipher = keys.provider.cipher(keys.encr, keys.encrKey);
  const mac = keys.integ && keys.integKey ? keys.provider.mac(keys.integ, keys.integKey) : undefined;
  const ivSource =
    config.ivSource ??
    (config.direction === 'outbound' && keys.random ? defaultIvSource(keys.encr, keys.random) : undefined);
  return createEspSa({ ...config, cipher, ...(mac ? { mac } : {}), ...(ivSource ? { ivSource } : {}) });
}

/**
 * Ends the SA: every later encapsulate/decapsulate fails with 'sa-dead', and the keyed
 * transforms zero their key material (the cipher and MAC are unusable afterwards).
 */
export function destroyEspSa(sa: EspSa): void {
  sa.dead = true;
  sa.cipher.destroy();
  sa.mac?.destroy();
}

/**
 * Counter IVs: the 64-bit sequence number, big-endian (left-padded to `length`). Unique per
 * SA and key, which is all that AES-CTR (RFC 3686 §3.1), AES-GCM (RFC 4106 §3.1), AES-CCM
 * (RFC 4309 §3.1) and ChaCha20-Poly1305 (RFC 7634 §2) require. Never for CBC.
 */
export const sequenceIv: IvSource = (length, seq) => {
  const iv = new Uint8Array(length);
  if (length === 0) return iv;
  if (length < 8) throw new RangeError(`a ${length}-byte IV cannot hold a 64-bit counter`);
  writeU32(iv, length - 8, Math.floor(seq / TWO_32));
  writeU32(iv, length - 4, seq % TWO_32);
  return iv;
};

/** Random IVs, required for CBC: the IV must be unpredictable (RFC 3602 §2.3, RFC 4303 §3.3.2). */
export const randomIv =
  (random: RandomBytes): IvSource =>
  (length) =>
    random(length);

/** CBC gets random IVs; counter and AEAD modes (block size 1) get sequence-number IVs. */
export function defaultIvSource(encr: EncrTransform, random: RandomBytes): IvSource {
  return encr.blockSize > 1 ? randomIv(random) : sequenceIv;
}
