# Reference programs the tests compare with, by tag. A test tagged with a tool
# whose program is missing is excluded, unless tools are required
# (CHUNKER_REQUIRE_TOOLS=1, as scripts/test.sh sets, or CI=true): then it runs
# and fails, so a cross-check cannot silently vanish.
defmodule Chunker.TestTools do
  import ExUnit.Assertions

  @tools %{
    b3sum: ["b3sum"],
    zstd: ["zstd"],
    lz4: ["lz4"],
    xz: ["xz"],
    bzip2: ["bzip2"],
    nix: ["nix-hash", "nix-store"]
  }

  def tools, do: @tools

  def required? do
    System.get_env("CHUNKER_REQUIRE_TOOLS") == "1" or System.get_env("CI") == "true"
  end

  def missing, do: for({tag, progs} <- @tools, Enum.any?(progs, &(!System.find_executable(&1))), do: tag)

  @doc "Runs a reference program; output (stdout) on status 0, else the test fails."
  def run!(prog, args, opts \\ []) do
    unless System.find_executable(prog),
      do: flunk("#{prog} is not installed (required: CI / CHUNKER_REQUIRE_TOOLS=1; scripts/apt-packages.txt)")

    {out, status} = System.cmd(prog, args, opts)
    assert status == 0, "#{prog} #{Enum.join(args, " ")} exited with #{status}: #{out}"
    out
  end

  @doc "A fresh directory under the system's temporary directory, removed after the test."
  def tmp_dir! do
    dir = Path.join(System.tmp_dir!(), "chunker-exunit-#{System.unique_integer([:positive])}")
    File.rm_rf!(dir)
    File.mkdir_p!(dir)
    ExUnit.Callbacks.on_exit(fn -> File.rm_rf!(dir) end)
    dir
  end

  def data_path(name), do: Path.expand("../../../tests/data/#{name}", __DIR__)

  @doc "Deterministic pseudo-random bytes: AES-128-CTR of zeros under a key from `seed`."
  def random_bytes(n, seed) do
    key = binary_part(:crypto.hash(:sha256, "seed #{seed}"), 0, 16)
    :crypto.crypto_one_time(:aes_128_ctr, key, <<0::128>>, :binary.copy(<<0>>, n), true)
  end
end

missing = Chunker.TestTools.missing()

cond do
  missing == [] ->
    :ok

  Chunker.TestTools.required?() ->
    IO.puts("reference programs missing (their tests will fail): #{inspect(missing)}")

  true ->
    IO.puts("skipping tests that need missing reference programs: #{inspect(missing)}")
    ExUnit.configure(exclude: missing)
end

ExUnit.start()
