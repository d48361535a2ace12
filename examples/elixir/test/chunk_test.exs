defmodule Chunker.ChunkTest do
  use ExUnit.Case, async: true
  import Bitwise
  import Chunker.TestTools

  # fastcdc-rs's own v2020 test vectors for SekienAkashita.jpg (the same file the
  # C++ suite reads, tests/data/fastcdc_vectors.json): [{opts, [{fingerprint, length}]}].
  defp vectors do
    text = File.read!(data_path("fastcdc_vectors.json"))

    ~r/\{"min": (\d+), "avg": (\d+), "max": (\d+), "level": (\d+), "seed": "(\d+)",\s*"chunks": \[(.*?)\]\}/s
    |> Regex.scan(text)
    |> Enum.map(fn [_, mn, av, mx, level, seed, chunks] ->
      opts =
        Enum.zip([:min, :avg, :max, :level, :seed], Enum.map([mn, av, mx, level, seed], &String.to_integer/1))

      expected =
        for [_, fp, len] <- Regex.scan(~r/\["(\d+)", (\d+)\]/, chunks),
            do: {String.to_integer(fp), String.to_integer(len)}

      {opts, expected}
    end)
  end

  # Pieces of 1..16 bytes, 1..4 KiB or up to 2 * max, in a fixed pseudo-random mix.
  defp pieces(data, max, seed) do
    :rand.seed(:exsss, {seed, 2, 3})
    split(data, max, [])
  end

  defp split(<<>>, _max, acc), do: Enum.reverse(acc)

  defp split(data, max, acc) do
    n =
      case :rand.uniform(3) do
        1 -> :rand.uniform(16)
        2 -> :rand.uniform(4096)
        3 -> :rand.uniform(2 * max)
      end
      |> min(byte_size(data))

    <<piece::binary-size(n), rest::binary>> = data
    split(rest, max, [piece | acc])
  end

  defp streamed(data, opts, seed) do
    {:ok, s} = Chunker.Stream.new(opts)

    pushed =
      Enum.flat_map(pieces(data, Keyword.get(opts, :max, 4 <<< 20), seed), fn piece ->
        {:ok, chunks} = Chunker.Stream.push(s, piece)
        chunks
      end)

    {:ok, rest} = Chunker.Stream.finish(s)
    pushed ++ rest
  end

  defp assert_tiles(chunks, size) do
    assert Enum.map(chunks, & &1.offset) ==
             Enum.scan([0 | Enum.map(chunks, & &1.length)], &+/2) |> Enum.drop(-1)

    assert Enum.sum(Enum.map(chunks, & &1.length)) == size
  end

  test "fastcdc-rs v2020 vectors: one-shot, from the file, streamed in pieces, over File.stream!" do
    path = data_path("SekienAkashita.jpg")
    data = File.read!(path)
    assert byte_size(data) == 109_466
    cases = vectors()
    assert length(cases) == 3

    for {opts, expected} <- cases do
      opts = opts ++ [hash: nil]
      {:ok, chunks} = Chunker.chunk(data, opts)
      assert Enum.map(chunks, &{&1.fingerprint, &1.length}) == expected, inspect(opts)
      assert Enum.all?(chunks, &is_nil(&1.hash))
      assert_tiles(chunks, byte_size(data))

      assert {:ok, ^chunks} = Chunker.chunk_file(path, opts)
      for seed <- 1..3, do: assert(streamed(data, opts, seed) == chunks)
      assert path |> File.stream!([], 1000) |> Chunker.Stream.chunks(opts) |> Enum.to_list() == chunks
    end
  end

  test "the normal-scheduler and dirty-scheduler entry points give the same chunks" do
    data = File.read!(data_path("SekienAkashita.jpg"))
    opts = Chunker.Args.chunk_options!(min: 4096, avg: 16384, max: 65535, hash: :blake3)
    assert Chunker.Native.chunk(data, opts) == Chunker.Native.chunk_dirty(data, opts)
    small = binary_part(data, 0, Chunker.Args.dirty_bytes())
    assert {:ok, [_ | _] = chunks} = Chunker.chunk(small, min: 4096, avg: 16384, max: 65535)

    assert chunks ==
             Chunker.Native.chunk_dirty(small, Chunker.Args.chunk_options!(min: 4096, avg: 16384, max: 65535))
             |> elem(1)
  end

  test "per-chunk SHA-256 equals :crypto's digest of the chunk's bytes (the default hash)" do
    data = random_bytes(3 <<< 20, 1)
    {:ok, chunks} = Chunker.chunk(data, preset: "64k")
    assert length(chunks) > 10
    assert_tiles(chunks, byte_size(data))

    for c <- chunks do
      assert c.hash == :crypto.hash(:sha256, binary_part(data, c.offset, c.length))
    end
  end

  @tag :b3sum
  test "per-chunk BLAKE3 equals b3sum of the chunk's bytes" do
    dir = tmp_dir!()
    data = File.read!(data_path("SekienAkashita.jpg"))
    {:ok, chunks} = Chunker.chunk(data, min: 4096, avg: 16384, max: 65535, hash: :blake3)

    for c <- chunks do
      file = Path.join(dir, "chunk-#{c.offset}")
      File.write!(file, binary_part(data, c.offset, c.length))
      assert Base.encode16(c.hash, case: :lower) == String.trim(run!("b3sum", ["--no-names", file]))
    end
  end

  test "threads: the same chunks and hashes on 1, 2 and all threads" do
    data = random_bytes(8 <<< 20, 2)
    {:ok, one} = Chunker.chunk(data, preset: "64k", hash: :blake3, threads: 1)

    for t <- [2, 0] do
      assert {:ok, ^one} = Chunker.chunk(data, preset: "64k", hash: :blake3, threads: t)
    end

    {:ok, s} = Chunker.Stream.new(preset: "64k", hash: :blake3, threads: 2)

    got =
      for <<piece::binary-size(1 <<< 20) <- data>>, reduce: [] do
        acc -> acc ++ elem(Chunker.Stream.push(s, piece), 1)
      end

    assert got ++ elem(Chunker.Stream.finish(s), 1) == one
  end

  test "streamed chunks of random data equal the one-shot chunks, for every preset" do
    data = random_bytes(5 <<< 20, 3)

    for preset <- ["4k", "16k", "64k", "256k", "default"] do
      {:ok, chunks} = Chunker.chunk(data, preset: preset, hash: :blake3)
      assert_tiles(chunks, byte_size(data))
      assert streamed(data, [preset: preset, hash: :blake3], 9) == chunks, preset
    end
  end

  test "a finished stream starts a new stream; iodata is accepted" do
    data = random_bytes(300_000, 4)
    {:ok, expected} = Chunker.chunk(data, preset: "16k")
    {:ok, s} = Chunker.Stream.new(preset: "16k")

    for _ <- 1..2 do
      {:ok, a} = Chunker.Stream.push(s, [binary_part(data, 0, 1000), binary_part(data, 1000, 199_000)])
      {:ok, b} = Chunker.Stream.push(s, binary_part(data, 200_000, 100_000))
      {:ok, c} = Chunker.Stream.finish(s)
      assert a ++ b ++ c == expected
    end

    assert Chunker.chunk([data], preset: "16k") == {:ok, expected}
  end

  test "empty input has no chunks" do
    assert Chunker.chunk(<<>>) == {:ok, []}
    {:ok, s} = Chunker.Stream.new()
    assert Chunker.Stream.push(s, "") == {:ok, []}
    assert Chunker.Stream.finish(s) == {:ok, []}
    dir = tmp_dir!()
    File.write!(Path.join(dir, "empty"), "")
    assert Chunker.chunk_file(Path.join(dir, "empty")) == {:ok, []}
  end

  test "one stream shared by several processes: calls are serialised, chunks tile the input" do
    {:ok, s} = Chunker.Stream.new(preset: "4k", hash: :blake3)
    pieces = for i <- 1..8, do: random_bytes(200_000 + i, 10 + i)

    chunks =
      pieces
      |> Enum.map(fn p -> Task.async(fn -> Chunker.Stream.push(s, p) end) end)
      |> Enum.flat_map(fn t -> elem(Task.await(t, 60_000), 1) end)
      |> Enum.sort_by(& &1.offset)

    {:ok, rest} = Chunker.Stream.finish(s)
    assert_tiles(chunks ++ rest, Enum.sum(Enum.map(pieces, &byte_size/1)))
  end

  test "dropped stream handles are freed by their destructor" do
    for _ <- 1..20 do
      pid =
        spawn(fn ->
          for _ <- 1..50 do
            {:ok, s} = Chunker.Stream.new(preset: "4k")
            {:ok, _} = Chunker.Stream.push(s, :binary.copy("x", 10_000))
          end
        end)

      ref = Process.monitor(pid)
      assert_receive {:DOWN, ^ref, :process, ^pid, :normal}, 10_000
    end

    :erlang.garbage_collect()
    assert {:ok, _} = Chunker.chunk("still alive")
  end
end
