defmodule Mix.Tasks.Compile.ChunkerNif do
  @moduledoc """
  Builds the NIF (`c_src/chunker_nif.c`) with `make -C c_src` into this app's
  `priv/` inside mix's build directory, so nothing is written into the source tree.

  Where the C library comes from (c_src/Makefile):

    * `CHUNKER_BUILD_DIR` (default `../../build/native`, the repository's release
      build): links its `libchunker.a` statically;
    * `CHUNKER_PREFIX`: an installed package (`cmake --install`), found with
      pkg-config; links its `libchunker.so` with an rpath.

  A Mix compiler defined here rather than a Hex package (elixir_make): the
  project builds offline with Debian's elixir alone.
  """
  use Mix.Task.Compiler

  @impl true
  def run(_args) do
    priv = Path.join(Mix.Project.app_path(), "priv")
    File.mkdir_p!(priv)

    erts_include = Path.join([:code.root_dir(), "erts-#{:erlang.system_info(:version)}", "include"])

    # Relative locations are relative to this project's directory.
    env =
      [
        {"ERTS_INCLUDE_DIR", erts_include},
        {"NIF_SO", Path.join(priv, "chunker_nif.so")},
        {"CHUNKER_BUILD_DIR", Path.expand(System.get_env("CHUNKER_BUILD_DIR", "../../build/native"))}
      ] ++
        case System.get_env("CHUNKER_PREFIX", "") do
          "" -> []
          prefix -> [{"CHUNKER_PREFIX", Path.expand(prefix)}]
        end

    # `make -q` answers "up to date?" without building: lets the task report :noop.
    if match?({_, 0}, System.cmd("make", ["-q", "-C", "c_src"], env: env, stderr_to_stdout: true)) do
      {:noop, []}
    else
      case System.cmd("make", ["-C", "c_src", "--no-print-directory"],
             env: env,
             stderr_to_stdout: true,
             into: IO.stream(:stdio, :line)
           ) do
        {_, 0} -> {:ok, []}
        {_, status} -> Mix.raise("building the NIF failed (make exited with #{status})")
      end
    end
  end
end

defmodule Chunker.MixProject do
  use Mix.Project

  def project do
    [
      app: :chunker,
      version: "0.1.0",
      elixir: "~> 1.14",
      compilers: [:chunker_nif] ++ Mix.compilers(),
      start_permanent: Mix.env() == :prod,
      deps: []
    ]
  end

  def application do
    [extra_applications: []]
  end
end
