defmodule Chunker.Native do
  @moduledoc false
  # The NIF (c_src/chunker_nif.c). Call through Chunker and Chunker.Stream:
  # they check arguments and choose between a call and its *_dirty twin.

  @on_load :load

  def load do
    :chunker
    |> :code.priv_dir()
    |> :filename.join(~c"chunker_nif")
    |> :erlang.load_nif(0)
  end

  def chunk(_data, _opts), do: :erlang.nif_error(:not_loaded)
  def chunk_dirty(_data, _opts), do: :erlang.nif_error(:not_loaded)
  def chunk_file(_path, _opts), do: :erlang.nif_error(:not_loaded)
  def stream_new(_opts), do: :erlang.nif_error(:not_loaded)
  def stream_push(_stream, _data), do: :erlang.nif_error(:not_loaded)
  def stream_push_dirty(_stream, _data), do: :erlang.nif_error(:not_loaded)
  def stream_finish(_stream), do: :erlang.nif_error(:not_loaded)
  def stream_close(_stream), do: :erlang.nif_error(:not_loaded)
  def blake3(_data), do: :erlang.nif_error(:not_loaded)
  def blake3_dirty(_data), do: :erlang.nif_error(:not_loaded)
  def sha256(_data), do: :erlang.nif_error(:not_loaded)
  def sha256_dirty(_data), do: :erlang.nif_error(:not_loaded)
  def nix_base32_encode(_data), do: :erlang.nif_error(:not_loaded)
  def nix_base32_encode_dirty(_data), do: :erlang.nif_error(:not_loaded)
  def nix_base32_decode(_text), do: :erlang.nif_error(:not_loaded)
  def nix_base32_decode_dirty(_text), do: :erlang.nif_error(:not_loaded)
  def compress(_data, _codec, _level), do: :erlang.nif_error(:not_loaded)
  def decompress(_data, _limit), do: :erlang.nif_error(:not_loaded)
  def nar_hash(_path), do: :erlang.nif_error(:not_loaded)
  def version, do: :erlang.nif_error(:not_loaded)
end
