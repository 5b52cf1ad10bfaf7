/** Loads the real strongSwan captures in test/vectors/strongswan (see its README for every field). */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VECTOR_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'vectors', 'strongswan');

export interface VectorIkeSa {
  index: number;
  rekey_of: number | null;
  spi_i: string;
  spi_r: string;
  nonce_i: string;
  nonce_r: string;
  dh_group: number;
  ke_i: string;
  ke_r: string;
  dh_shared_secret: string;
  skeyseed: string;
  sk_d: string;
  sk_ai: string;
  sk_ar: string;
  sk_ei: string;
  sk_er: string;
  sk_pi: string;
  sk_pr: string;
  prf_id: number;
  integ_id: number | null;
  encr_id: number;
  encr_key_bits: number;
  // biome-ignore lint/suspicious/noExplicitAny: nested vector records are documented in the README
  nat_detection?: any;
  // biome-ignore lint/suspicious/noExplicitAny: see README
  auth?: any;
}

export interface VectorChildSa {
  index: number;
  rekey_of: number | null;
  ike_sa: number;
  spi_i: string;
  spi_r: string;
  encr_id: number;
  encr_key_bits: number | null;
  integ_id: number | null;
  esn: boolean;
  ts_i: {
    ts_type: number;
    ip_protocol: number;
    start_port: number;
    end_port: number;
    start: string;
    end: string;
  }[];
  ts_r: {
    ts_type: number;
    ip_protocol: number;
    start_port: number;
    end_port: number;
    start: string;
    end: string;
  }[];
  nonce_i: string;
  nonce_r: string;
  dh_group: number | null;
  ke_i: string | null;
  ke_r: string | null;
  pfs_shared_secret: string | null;
  keymat_seed: string;
  key_i: { encr: string; integ: string };
  key_r: { encr: string; integ: string };
}

export interface VectorPacket {
  n: number;
  frame: number;
  dir: 'i->r' | 'r->i';
  src: string;
  dst: string;
  sport: number;
  dport: number;
  kind: 'ike' | 'esp' | 'nat-keepalive';
  hex: string;
  // IKE
  exchange?: string;
  exchange_type?: number;
  mid?: number;
  response?: boolean;
  initiator_flag?: boolean;
  ike_sa?: number;
  payloads?: string[];
  decrypted_payloads?: string[] | null;
  // biome-ignore lint/suspicious/noExplicitAny: see README
  sk?: any;
  // ESP
  esp_spi?: string;
  esp_seq?: number;
  child_sa?: number;
  esp_iv?: string;
  esp_icv?: string;
  esp_plaintext_hex?: string;
  esp_trailer_hex?: string;
  esp_pad_len?: number;
  esp_next_header?: number;
}

export interface VectorCase {
  file: string;
  case: string;
  ike_proposal: string;
  esp_proposal: string;
  psk: string;
  ids: {
    initiator: { type: string; type_id: number; value: string };
    responder: { type: string; type_id: number; value: string };
  };
  ike_sas: VectorIkeSa[];
  child_sas: VectorChildSa[];
  packets: VectorPacket[];
}

export function loadStrongswanVectors(): VectorCase[] {
  return readdirSync(VECTOR_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      ...(JSON.parse(readFileSync(join(VECTOR_DIR, file), 'utf8')) as Omit<VectorCase, 'file'>),
    }));
}
