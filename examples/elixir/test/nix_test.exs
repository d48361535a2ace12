defmodule Chunker.NixTest do
  use ExUnit.Case, async: true
  import Chunker.TestTools

  test "Nix base32: the fixtures printed by nix-hash (tests/data/nix-base32-vectors.txt)" do
    rows =
      for line <- File.read!(data_path("nix-base32-vectors.txt")) |> String.split("\n"),
          line != "" and not String.starts_with?(line, "#"),
          do: String.split(line, " ")

    assert length(rows) >= 5

    for [hex, b32] <- rows do
      bytes = Base.decode16!(hex, case: :lower)
      assert Chunker.nix_base32_encode(bytes) == b32
      assert Chunker.nix_base32_decode(b32) == {:ok, bytes}
    end

    assert Chunker.nix_base32_encode("") == ""
    assert {:error, {:invalid_argument, _}} = Chunker.nix_base32_decode("e")
    assert {:error, {:invalid_argument, _}} = Chunker.nix_base32_decode(String.duplicate("e", 52))
  end

  # nix-store / nix-hash offline, in a private state directory (as the C++ tests do).
  defp nix_env(dir) do
    state = Path.join(dir, "nix")

    [
      {"NIX_STATE_DIR", state <> "/state"},
      {"NIX_STORE_DIR", state <> "/store"},
      {"NIX_LOG_DIR", state <> "/log"},
      {"NIX_CONF_DIR", state <> "/conf"},
      {"NIX_REMOTE", ""},
      {"HOME", state}
    ]
  end

  @tag :nix
  test "Nix base32 equals nix-hash --to-base32" do
    env = nix_env(tmp_dir!())

    for seed <- 1..3 do
      digest = Chunker.sha256(random_bytes(100, seed))
      hex = Base.encode16(digest, case: :lower)
      expected = run!("nix-hash", ["--type", "sha256", "--to-base32", hex], env: env) |> String.trim()
      assert Chunker.nix_base32_encode(digest) == expected
    end
  end

  @tag :nix
  test "NAR hash and size equal nix-hash and nix-store --dump, for a tree, a file and a symlink" do
    dir = tmp_dir!()
    env = nix_env(dir)
    t = Path.join(dir, "tree")
    for d <- ["sub/deeper", "emptydir", "B"], do: File.mkdir_p!(Path.join(t, d))
    File.write!(Path.join(t, "empty"), "")
    File.write!(Path.join(t, "run.sh"), "#!/bin/sh\necho hi\n")
    File.chmod!(Path.join(t, "run.sh"), 0o755)
    File.write!(Path.join(t, "seven"), "1234567")
    File.write!(Path.join(t, "B/upper"), "sorts before lower-case\n")
    File.write!(Path.join(t, "sub/deeper/big.bin"), random_bytes(200_003, 42))
    for n <- ["a-b", "a.b", "a0", "aB", "a_b", "ab", "été", "with space"], do: File.write!(Path.join(t, n), n)
    File.ln_s!("run.sh", Path.join(t, "link"))
    File.ln_s!("/nonexistent/absolute", Path.join(t, "sub/abs"))

    for path <- [t, Path.join(t, "run.sh"), Path.join(t, "link"), Path.join(t, "sub")] do
      expected = run!("nix-hash", ["--type", "sha256", "--base32", path], env: env) |> String.trim()
      nar = run!("nix-store", ["--dump", path], env: env)
      assert Chunker.nar_hash(path) == {:ok, %{hash: "sha256:" <> expected, nar_size: byte_size(nar)}}, path
    end
  end

  test "NAR hash of a missing path is :io naming it" do
    path = Path.join(tmp_dir!(), "missing")
    assert {:error, {:io, msg}} = Chunker.nar_hash(path)
    assert msg =~ path
  end
end
