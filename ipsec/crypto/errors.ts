/** Typed crypto errors with stable codes (never thrown for peer input: returned in a Result). */
export type CryptoErrorCode =
  | 'UNSUPPORTED_TRANSFORM'
  | 'INVALID_KEY_LENGTH'
  | 'INVALID_IV_LENGTH'
  | 'INVALID_PUBLIC_VALUE'
  | 'INVALID_SHARED_SECRET'
  | 'INVALID_INPUT';

export class CryptoError extends Error {
  readonly code: CryptoErrorCode;
  constructor(code: CryptoErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'CryptoError';
    this.code = code;
  }
}
