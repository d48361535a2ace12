defmodule Chunker.CodecTest do
  use ExUnit.Case, async: true
  import Bitwise
  import Chunker.TestTools

  # Compressible text, then incompressible bytes.
  defp sample do
    text = for i <- 1..5_000, into: <<>>, do: "line #{i} of a fairly repetitive text\n"
    text <> random_bytes(64_000, 77)
  end

  # codec, its program, a non-default level
  @codecs [{:zstd, "zstd", 19}, {:lz4, "lz4", 12}, {:xz, "xz", 9}, {:bzip2, "bzip2", 1}]

  for {codec, prog, level} <- @codecs do
    @tag codec
    test "#{codec}: our frames decompress with #{prog}, #{prog}'s frames with ours" do
      dir = tmp_dir!()
      data = sample()
      codec = unquote(codec)
      prog = unquote(prog)

      for level <- [nil, unquote(level)] do
        {:ok, z} = Chunker.compress(data, codec: codec, level: level)
        assert byte_size(z) < byte_size(data)
        File.write!(Path.join(dir, "ours"), z)
        assert run!(prog, ["-d", "-c", Path.join(dir, "ours")]) == data, "level #{inspect(level)}"
      end

      File.write!(Path.join(dir, "in"), data)
      theirs = run!(prog, ["-c", "-#{unquote(level)}", Path.join(dir, "in")])
      assert Chunker.decompress(theirs) == {:ok, data}
      # Concatenated frames are one stream.
      assert Chunker.decompress(theirs <> theirs) == {:ok, data <> data}
    end
  end

  test "round trips of every codec, including empty input" do
    for {codec, _, _} <- @codecs, data <- ["", "x", sample()] do
      {:ok, z} = Chunker.compress(data, codec: codec)
      assert Chunker.decompress(z) == {:ok, data}, "#{codec} #{byte_size(data)} bytes"
    end
  end

  test "max_output: exactly enough is fine, one byte less is :output_limit" do
    data = sample()
    {:ok, z} = Chunker.compress(data)
    assert Chunker.decompress(z, max_output: byte_size(data)) == {:ok, data}
    assert {:error, {:output_limit, msg}} = Chunker.decompress(z, max_output: byte_size(data) - 1)
    assert is_binary(msg) and msg != ""
    # A small frame that expands to 16 MiB, refused at a 1 MiB limit.
    {:ok, bomb} = Chunker.compress(:binary.copy(<<0>>, 16 <<< 20), codec: :zstd)
    assert byte_size(bomb) < 16 <<< 10
    assert {:error, {:output_limit, _}} = Chunker.decompress(bomb, max_output: 1 <<< 20)
  end

  test "corrupt, truncated and unknown input are errors" do
    data = sample()

    for {codec, _, _} <- @codecs do
      {:ok, z} = Chunker.compress(data, codec: codec)
      truncated = binary_part(z, 0, byte_size(z) - 7)
      assert {:error, {code, _}} = Chunker.decompress(truncated), "#{codec} truncated"
      assert code in [:truncated_input, :corrupt_input]
      mid = div(byte_size(z), 2)
      <<head::binary-size(mid), b, tail::binary>> = z

      assert {:error, {code, _}} = Chunker.decompress(head <> <<Bitwise.bxor(b, 0x55)>> <> tail),
             "#{codec} flipped"

      assert code in [:corrupt_input, :verification_failed, :truncated_input]
    end

    assert {:error, {:unsupported_format, _}} = Chunker.decompress("plain text, no frame magic")
  end

  test "unknown codecs and levels out of range are :invalid_argument" do
    assert {:error, {:invalid_argument, _}} = Chunker.compress("x", codec: :gzip)
    assert {:error, {:invalid_argument, _}} = Chunker.compress("x", codec: :xz, level: 42)
    assert {:error, {:invalid_argument, _}} = Chunker.compress("x", codec: :none)
  end
end
