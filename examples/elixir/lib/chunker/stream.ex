defmodule Chunker.Stream do
  @moduledoc """
  Chunking a stream fed in pieces: exactly the chunks `Chunker.chunk/2` gives
  for the concatenation, holding at most about one `max` of unconsumed bytes.

      {:ok, s} = Chunker.Stream.new(preset: "64k", hash: :blake3)
      {:ok, first} = Chunker.Stream.push(s, piece1)    # chunks that became final
      {:ok, more} = Chunker.Stream.push(s, piece2)
      {:ok, rest} = Chunker.Stream.finish(s)           # the rest; s starts a new stream

  The handle is a NIF resource: it is freed when no process refers to it any
  more (or at once with `close/1`). It may be shared between processes; calls
  on one handle are serialised. `finish/1` and pushes that may take more than
  about a millisecond run on dirty CPU schedulers: pieces of more than
  #{Chunker.Args.dirty_bytes()} bytes and, with a hash, of more than
  #{Chunker.Args.dirty_bytes()} bytes minus `max` (a chunk a push completes is
  hashed whole): with the default sizes, every push.

  `chunks/2` turns any enumerable of binaries (e.g. `File.stream!(path, [], 1 <<< 20)`)
  into a lazy stream of chunks.
  """

  alias Chunker.{Args, Native}

  # normal_bytes: the largest push that stays on the calling scheduler. A push
  # scans its own bytes, but a chunk it completes is hashed whole, and may hold
  # up to `max` bytes pushed before: with a hash, pushes of more than
  # dirty_bytes - max bytes (with the default 4 MiB max: all) go to a dirty
  # CPU scheduler.
  @enforce_keys [:ref, :normal_bytes]
  defstruct [:ref, :normal_bytes]
  @opaque t :: %__MODULE__{ref: reference(), normal_bytes: integer()}

  @doc "A new stream; options as for `Chunker.chunk/2`."
  @spec new(Chunker.chunk_opts()) :: {:ok, t()} | Chunker.error()
  def new(opts \\ []) do
    case Native.stream_new(Args.chunk_options!(opts)) do
      {:ok, ref, max, hashed} ->
        {:ok, %__MODULE__{ref: ref, normal_bytes: Args.dirty_bytes() - if(hashed, do: max, else: 0)}}

      error ->
        error
    end
  end

  @doc "Feeds the next piece; returns the chunks that became final."
  @spec push(t(), iodata()) :: {:ok, [Chunker.chunk()]} | Chunker.error()
  def push(%__MODULE__{ref: ref, normal_bytes: normal}, data) do
    data = Args.bytes!(data)

    if byte_size(data) > normal,
      do: Native.stream_push_dirty(ref, data),
      else: Native.stream_push(ref, data)
  end

  def push(other, _data), do: raise(ArgumentError, "expected a Chunker.Stream, got: #{inspect(other)}")

  @doc "Ends the stream: returns the remaining chunks; the handle then starts a new stream."
  @spec finish(t()) :: {:ok, [Chunker.chunk()]} | Chunker.error()
  def finish(%__MODULE__{ref: ref}), do: Native.stream_finish(ref)
  def finish(other), do: raise(ArgumentError, "expected a Chunker.Stream, got: #{inspect(other)}")

  @doc "Frees the handle now; later calls return `{:error, {:invalid_argument, _}}`."
  @spec close(t()) :: :ok
  def close(%__MODULE__{ref: ref}), do: Native.stream_close(ref)
  def close(other), do: raise(ArgumentError, "expected a Chunker.Stream, got: #{inspect(other)}")

  @doc """
  A lazy stream of the chunks of an enumerable of binaries (iodata), e.g.
  `File.stream!(path, [], 1 <<< 20) |> Chunker.Stream.chunks(hash: :blake3)`.
  A library error raises `RuntimeError`.
  """
  @spec chunks(Enumerable.t(), Chunker.chunk_opts()) :: Enumerable.t()
  def chunks(enumerable, opts \\ []) do
    Elixir.Stream.transform(
      enumerable,
      fn -> ok!(new(opts)) end,
      fn piece, s -> {ok!(push(s, piece)), s} end,
      fn s -> {ok!(finish(s)), s} end,
      &close/1
    )
  end

  defp ok!({:ok, value}), do: value
  defp ok!({:error, {code, message}}), do: raise("#{code}: #{message}")
end
