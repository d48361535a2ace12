// Errors thrown by the package: all extend ChunkerError and carry a stable
// `code` string — the C++ core's errc_name() values (ERR_INVALID_ARGUMENT, ...).

export class ChunkerError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = 'ChunkerError';
    this.code = code;
  }
}

function sub(name) {
  const C = class extends ChunkerError {
    constructor(code, message, options) {
      super(code, message, options);
      this.name = name;
    }
  };
  Object.defineProperty(C, 'name', { value: name });
  return C;
}

export const InvalidArgumentError = sub('InvalidArgumentError');
export const CorruptInputError = sub('CorruptInputError');
export const OutputLimitError = sub('OutputLimitError');
export const UnsupportedFormatError = sub('UnsupportedFormatError');
export const VerificationError = sub('VerificationError');
export const AbortError = sub('AbortError');
export const OutOfMemoryError = sub('OutOfMemoryError');

// Codes not listed (ERR_IO, ERR_INTERNAL, and ERR_CHANGED: a native input file
// changed while it was read; the wasm build reads no files) are plain ChunkerErrors.
const byCode = {
  ERR_INVALID_ARGUMENT: InvalidArgumentError,
  ERR_CORRUPT_INPUT: CorruptInputError,
  ERR_TRUNCATED_INPUT: CorruptInputError,
  ERR_TRAILING_DATA: CorruptInputError,
  ERR_OUTPUT_LIMIT: OutputLimitError,
  ERR_UNSUPPORTED_FORMAT: UnsupportedFormatError,
  ERR_VERIFICATION_FAILED: VerificationError,
  ERR_CANCELLED: AbortError,
  ERR_OUT_OF_MEMORY: OutOfMemoryError,
};

export function makeError(code, message, options) {
  const C = byCode[code] || ChunkerError;
  return new C(code, message, options);
}

export function invalidArg(message) {
  return new InvalidArgumentError('ERR_INVALID_ARGUMENT', message);
}
