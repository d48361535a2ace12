defmodule Chunker.BadInputTest do
  # Bad input is an {:error, _} tuple (values the library refuses) or an
  # ArgumentError (terms of the wrong type), never a crash of the VM.
  use ExUnit.Case, async: true
  import Bitwise
  import Chunker.TestTools

  test "chunk sizes, levels, presets and hashes the library refuses are :invalid_argument" do
    for {opts, word} <- [
          {[min: 1], "min"},
          {[min: 8192, avg: 4096, max: 65536], "min"},
          {[min: 4096, avg: 16384, max: 8192], "max"},
          {[avg: 100], "avg"},
          {[max: 32 <<< 20], "max"},
          {[level: 4], "level"},
          {[preset: "3k"], "3k"},
          {[hash: :md5], "md5"}
        ] do
      for result <- [
            Chunker.chunk("data", opts),
            Chunker.Stream.new(opts),
            Chunker.chunk_file(data_path("SekienAkashita.jpg"), opts)
          ] do
        assert {:error, {:invalid_argument, msg}} = result, inspect(opts)
        assert msg =~ word, "#{inspect(opts)}: #{msg}"
      end
    end
  end

  test "terms of the wrong type raise ArgumentError" do
    for {fun, args} <- [
          {:chunk, [123]},
          {:chunk, [:atom]},
          {:chunk, [[1, :x]]},
          {:chunk, ["x", :not_a_keyword_list]},
          {:chunk, ["x", [unknown: 1]]},
          {:chunk, ["x", [min: -1]]},
          {:chunk, ["x", [min: "4k"]]},
          {:chunk, ["x", [min: 1 <<< 40]]},
          {:chunk, ["x", [seed: 1 <<< 64]]},
          {:chunk, ["x", [hash: 3]]},
          {:chunk_file, [123]},
          {:chunk_file, ["a\0b"]},
          {:chunk_file, [""]},
          {:blake3, [%{}]},
          {:sha256, [nil]},
          {:compress, ["x", [codec: 1]]},
          {:compress, ["x", [level: "high"]]},
          {:decompress, ["x", [max_output: 0]]},
          {:decompress, ["x", [max_output: -1]]},
          {:nar_hash, [:x]},
          {:nix_base32_encode, [1.5]}
        ] do
      assert_raise ArgumentError, fn -> apply(Chunker, fun, args) end
    end

    {:ok, s} = Chunker.Stream.new()
    assert_raise ArgumentError, fn -> Chunker.Stream.push(s, 42) end
    assert_raise ArgumentError, fn -> Chunker.Stream.push(:not_a_stream, "x") end
    # The NIF itself checks its resource type.
    assert_raise ArgumentError, fn -> Chunker.Native.stream_push(make_ref(), "x") end
    assert_raise ArgumentError, fn -> Chunker.Native.chunk("x", {1, 2}) end
  end

  test "files: a missing file and a directory are :io naming the path" do
    dir = tmp_dir!()
    missing = Path.join(dir, "no-such-file")
    assert {:error, {:io, msg}} = Chunker.chunk_file(missing)
    assert msg =~ missing
    assert {:error, {:io, msg}} = Chunker.chunk_file(dir)
    assert msg =~ dir
  end

  test "many processes at once: each gets its own result and its own error message" do
    data = random_bytes(1 <<< 20, 8)
    {:ok, expected} = Chunker.chunk(data, preset: "16k", hash: :blake3)

    results =
      1..32
      |> Enum.map(fn i ->
        Task.async(fn ->
          case rem(i, 4) do
            0 -> {:chunks, Chunker.chunk(data, preset: "16k", hash: :blake3)}
            1 -> {:min, i, Chunker.chunk(data, min: i)}
            2 -> {:io, i, Chunker.chunk_file("/nonexistent/#{i}")}
            3 -> {:limit, Chunker.decompress(elem(Chunker.compress(data), 1), max_output: 1000 + i)}
          end
        end)
      end)
      |> Enum.map(&Task.await(&1, 60_000))

    for r <- results do
      case r do
        {:chunks, got} ->
          assert got == {:ok, expected}

        {:min, i, got} ->
          assert {:error, {:invalid_argument, msg}} = got
          assert String.ends_with?(msg, "got #{i}")

        {:io, i, got} ->
          assert {:error, {:io, msg}} = got
          assert msg =~ "/nonexistent/#{i}:"

        {:limit, got} ->
          assert {:error, {:output_limit, _}} = got
      end
    end
  end

  test "a closed stream is :invalid_argument; closing twice is fine" do
    {:ok, s} = Chunker.Stream.new()
    assert Chunker.Stream.close(s) == :ok
    assert Chunker.Stream.close(s) == :ok
    assert {:error, {:invalid_argument, _}} = Chunker.Stream.push(s, "x")
    assert {:error, {:invalid_argument, _}} = Chunker.Stream.finish(s)
  end
end
