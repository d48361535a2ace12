# One timed call for bench/elixir_vs_cli.sh (run with `elixir -pa EBIN`):
#   chunk_once.exs MODE FILE THREADS CLK_TCK   MODE: file | memory | stream
# prints "wall_s cpu_s chunks": the call's wall time and the CPU time of the
# whole VM process (all threads, library workers included) during it.
import Bitwise
[mode, file, threads, clk_tck] = System.argv()
threads = String.to_integer(threads)
opts = [hash: :blake3, threads: threads]

cpu_s = fn ->
  # /proc/self/stat after the ") " closing the command name: utime, stime are fields 12, 13.
  [_, rest] = File.read!("/proc/self/stat") |> String.split(") ", parts: 2)
  fields = String.split(rest, " ")

  (String.to_integer(Enum.at(fields, 11)) + String.to_integer(Enum.at(fields, 12))) /
    String.to_integer(clk_tck)
end

# memory: the file read into a binary first, not timed, and its pages touched once
# (:erlang.crc32): the first pass over freshly read memory can cost more than
# the call itself, whoever makes it (docs/benchmarks-log.md, "Elixir NIF vs the CLI").
data = if mode == "memory", do: File.read!(file)
if data, do: :erlang.crc32(data)

run =
  case mode do
    "file" ->
      fn -> Chunker.chunk_file(file, opts) end

    "memory" ->
      fn -> Chunker.chunk(data, opts) end

    "stream" ->
      fn -> {:ok, file |> File.stream!([], 1 <<< 20) |> Chunker.Stream.chunks(opts) |> Enum.to_list()} end
  end

c0 = cpu_s.()
t0 = System.monotonic_time()
{:ok, chunks} = run.()
t1 = System.monotonic_time()
c1 = cpu_s.()
wall = System.convert_time_unit(t1 - t0, :native, :microsecond) / 1.0e6
IO.puts("#{wall} #{c1 - c0} #{length(chunks)}")
