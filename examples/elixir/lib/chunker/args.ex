defmodule Chunker.Args do
  @moduledoc false
  # Argument checks shared by Chunker and Chunker.Stream. Only types are checked
  # here (a wrong type raises ArgumentError); values (size ranges, names of
  # presets, hashes and codecs) are the library's to judge, and come back as
  # {:error, {:invalid_argument, message}}.

  @chunk_keys [:preset, :min, :avg, :max, :level, :seed, :hash, :threads]

  # Input of at most this many bytes is processed on the calling (normal)
  # scheduler: well under 1 ms for chunking or hashing it. Larger input goes to
  # a dirty CPU scheduler. Files always go to a dirty I/O scheduler.
  @dirty_bytes 64 * 1024
  def dirty_bytes, do: @dirty_bytes

  @doc "Binary or iodata -> binary; anything else raises ArgumentError."
  def bytes!(data) when is_binary(data), do: data

  def bytes!(data) when is_list(data) do
    IO.iodata_to_binary(data)
  rescue
    ArgumentError -> raise ArgumentError, "expected a binary or iodata, got: #{inspect(data)}"
  end

  def bytes!(data), do: raise(ArgumentError, "expected a binary or iodata, got: #{inspect(data)}")

  @doc "A path (string or charlist) -> string."
  def path!(path) when is_binary(path) or is_list(path) do
    IO.chardata_to_string(path)
  rescue
    _ -> raise ArgumentError, "expected a path, got: #{inspect(path)}"
  end

  def path!(path), do: raise(ArgumentError, "expected a path, got: #{inspect(path)}")

  @doc """
  Chunking options -> the NIF's tuple {preset, min, avg, max, level, seed, hash,
  threads}; nil leaves the library's default (chunker_options_init: 256 KiB /
  1 MiB / 4 MiB, level 1, seed 0, SHA-256, 1 thread).
  """
  def chunk_options!(opts) when is_list(opts) do
    opts = Keyword.validate!(opts, Enum.map(@chunk_keys, &{&1, :unset}))
    get = fn key -> if opts[key] == :unset, do: nil, else: opts[key] end

    preset = get.(:preset)
    unless is_nil(preset) or is_binary(preset) or is_atom(preset), do: bad!(:preset, preset)

    for key <- [:min, :avg, :max, :level, :seed, :threads] do
      v = get.(key)
      unless is_nil(v) or (is_integer(v) and v >= 0), do: bad!(key, v)
    end

    hash =
      case opts[:hash] do
        :unset -> nil
        nil -> :none
        h when is_atom(h) or is_binary(h) -> h
        h -> bad!(:hash, h)
      end

    {preset, get.(:min), get.(:avg), get.(:max), get.(:level), get.(:seed), hash, get.(:threads)}
  end

  def chunk_options!(opts), do: raise(ArgumentError, "expected a keyword list, got: #{inspect(opts)}")

  def bad!(key, value), do: raise(ArgumentError, "invalid value for #{inspect(key)}: #{inspect(value)}")
end
