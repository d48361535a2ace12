defmodule Chunker.HashTest do
  use ExUnit.Case, async: true
  import Bitwise
  import Chunker.TestTools

  # Around the dirty-scheduler threshold and BLAKE3's 1 KiB chunk / SIMD batch sizes.
  @sizes [0, 1, 63, 64, 1023, 1024, 1025, 65_536, 65_537, 1_000_003, 3 <<< 20]

  test "BLAKE3: the official test vectors (first 32 bytes of each extended output)" do
    text = File.read!(data_path("blake3_test_vectors.json"))
    cases = Regex.scan(~r/"input_len": (\d+),\s*"hash": "([0-9a-f]{64})/, text)
    assert length(cases) == 35

    for [_, len, hex] <- cases do
      len = String.to_integer(len)
      input = for i <- 0..(len - 1)//1, into: <<>>, do: <<rem(i, 251)>>
      assert Base.encode16(Chunker.blake3(input), case: :lower) == hex, "input_len #{len}"
    end
  end

  @tag :b3sum
  test "BLAKE3 equals b3sum" do
    dir = tmp_dir!()

    for n <- @sizes do
      data = random_bytes(n, n)
      file = Path.join(dir, "in-#{n}")
      File.write!(file, data)

      assert Base.encode16(Chunker.blake3(data), case: :lower) ==
               String.trim(run!("b3sum", ["--no-names", file])),
             "#{n} bytes"
    end
  end

  test "SHA-256 equals :crypto.hash(:sha256, _)" do
    for n <- @sizes do
      data = random_bytes(n, n + 1)
      assert Chunker.sha256(data) == :crypto.hash(:sha256, data), "#{n} bytes"
    end

    assert Chunker.sha256(["ab", ?c, ["d"]]) == :crypto.hash(:sha256, "abcd")
  end

  test "the normal and dirty entry points agree on both sides of the threshold" do
    for n <- [Chunker.Args.dirty_bytes(), Chunker.Args.dirty_bytes() + 1] do
      data = random_bytes(n, 5)
      assert Chunker.Native.blake3(data) == Chunker.Native.blake3_dirty(data)
      assert Chunker.Native.sha256(data) == Chunker.Native.sha256_dirty(data)
    end
  end
end
