defmodule Chunker do
  @moduledoc """
  FastCDC chunking (byte-compatible with fastcdc-rs `v2020`), BLAKE3 and
  SHA-256, zstd/lz4/xz/bzip2 and the Nix NAR hash, from libchunker's C ABI
  (`chunker.h`) through a NIF.

  Errors the library reports are `{:error, {code, message}}`: `code` is the
  library's stable status name as an atom without `ERR_`, lower-cased
  (`ERR_INVALID_ARGUMENT` -> `:invalid_argument`, `:io`, `:corrupt_input`,
  `:truncated_input`, `:trailing_data`, `:output_limit`, `:unsupported_format`,
  `:changed`, ...). An argument of the wrong type raises `ArgumentError`.

  Scheduling: input up to #{Chunker.Args.dirty_bytes()} bytes is chunked or
  hashed on the calling scheduler; larger input, compression and
  decompression run on dirty CPU schedulers, file calls on dirty I/O schedulers.
  """

  alias Chunker.{Args, Native}

  @type chunk :: %{
          offset: non_neg_integer(),
          length: pos_integer(),
          fingerprint: non_neg_integer(),
          hash: binary() | nil
        }
  @type error :: {:error, {atom(), String.t()}}

  @typedoc """
  Chunking options (all optional; defaults are the library's):

    * `:preset` - `"default"`/`"nar"`/`"1m"` (256K/1M/4M), `"4k"`, `"16k"`,
      `"64k"` (16K/64K/256K), `"256k"`; applied first, then the sizes below
    * `:min`, `:avg`, `:max` - chunk sizes in bytes (default 256 KiB, 1 MiB, 4 MiB;
      64 <= min <= 1 MiB, 256 <= avg <= 4 MiB, 1024 <= max <= 16 MiB, min <= avg <= max)
    * `:level` - normalisation level 0..3 (default 1)
    * `:seed` - gear table seed (default 0: the published table)
    * `:hash` - strong hash per chunk: `:sha256` (default), `:blake3`, or `nil` for none
    * `:threads` - threads for hashing (default 1; 0 = all hardware threads)
  """
  @type chunk_opts :: keyword()

  @doc """
  Chunks a binary (or iodata).

      iex> {:ok, [c]} = Chunker.chunk("hello", hash: :blake3)
      iex> {c.offset, c.length, byte_size(c.hash)}
      {0, 5, 32}
  """
  @spec chunk(iodata(), chunk_opts()) :: {:ok, [chunk()]} | error()
  def chunk(data, opts \\ []) do
    data = Args.bytes!(data)
    opts = Args.chunk_options!(opts)

    if byte_size(data) > Args.dirty_bytes(),
      do: Native.chunk_dirty(data, opts),
      else: Native.chunk(data, opts)
  end

  @doc """
  Chunks a file, read once to the end into memory the library owns (never
  mapped). A file that changes while it is read is `{:error, {:changed, _}}`.
  Runs on a dirty I/O scheduler.
  """
  @spec chunk_file(Path.t(), chunk_opts()) :: {:ok, [chunk()]} | error()
  def chunk_file(path, opts \\ []) do
    Native.chunk_file(Args.path!(path), Args.chunk_options!(opts))
  end

  @doc "BLAKE3 digest (32 bytes)."
  @spec blake3(iodata()) :: binary()
  def blake3(data), do: digest(Args.bytes!(data), &Native.blake3/1, &Native.blake3_dirty/1)

  @doc "SHA-256 digest (32 bytes)."
  @spec sha256(iodata()) :: binary()
  def sha256(data), do: digest(Args.bytes!(data), &Native.sha256/1, &Native.sha256_dirty/1)

  defp digest(data, normal, dirty) do
    case if(byte_size(data) > Args.dirty_bytes(), do: dirty.(data), else: normal.(data)) do
      {:error, {code, message}} -> raise "#{code}: #{message}"
      digest -> digest
    end
  end

  @doc """
  Compresses into one frame (with a content checksum, as the codecs' programs
  write by default).

  Options: `:codec` - `:zstd` (default), `:lz4`, `:xz`, `:bzip2`; `:level` -
  the codec's level (default: the codec's default: zstd 3, lz4 1, xz 6, bzip2 9).
  """
  @spec compress(iodata(), keyword()) :: {:ok, binary()} | error()
  def compress(data, opts \\ []) do
    opts = Keyword.validate!(opts, codec: :zstd, level: nil)
    codec = opts[:codec]
    level = opts[:level]
    unless is_atom(codec) or is_binary(codec), do: Args.bad!(:codec, codec)
    unless is_nil(level) or is_integer(level), do: Args.bad!(:level, level)
    Native.compress(Args.bytes!(data), codec, level)
  end

  @doc """
  Decompresses one or more frames of any supported codec (detected by magic).

  Options: `:max_output` - the most bytes it may produce (default 1 GiB);
  more is `{:error, {:output_limit, _}}`, before that much memory is used.
  """
  @spec decompress(iodata(), keyword()) :: {:ok, binary()} | error()
  def decompress(data, opts \\ []) do
    opts = Keyword.validate!(opts, max_output: nil)

    limit =
      case opts[:max_output] do
        nil -> 0
        n when is_integer(n) and n > 0 -> n
        n -> Args.bad!(:max_output, n)
      end

    Native.decompress(Args.bytes!(data), limit)
  end

  @doc """
  The NAR hash of a path (file, directory or symlink, not followed), as
  `nix-hash --type sha256 --base32` prints it, prefixed `sha256:` (a narinfo
  `NarHash`), and the NAR's size. Runs on a dirty I/O scheduler.
  """
  @spec nar_hash(Path.t()) :: {:ok, %{hash: String.t(), nar_size: non_neg_integer()}} | error()
  def nar_hash(path), do: Native.nar_hash(Args.path!(path))

  @doc "Nix base32 (as `nix-hash --to-base32`) of a binary."
  @spec nix_base32_encode(iodata()) :: String.t()
  def nix_base32_encode(data) do
    data = Args.bytes!(data)

    case if(byte_size(data) > Args.dirty_bytes(),
           do: Native.nix_base32_encode_dirty(data),
           else: Native.nix_base32_encode(data)
         ) do
      {:error, {code, message}} -> raise "#{code}: #{message}"
      text -> text
    end
  end

  @doc "Nix base32 -> binary; strict (bad characters, lengths or stray bits are errors)."
  @spec nix_base32_decode(String.t()) :: {:ok, binary()} | error()
  def nix_base32_decode(text) do
    text = Args.bytes!(text)

    if byte_size(text) > Args.dirty_bytes(),
      do: Native.nix_base32_decode_dirty(text),
      else: Native.nix_base32_decode(text)
  end

  @doc "The version of the loaded libchunker."
  @spec library_version() :: String.t()
  def library_version, do: Native.version()
end
