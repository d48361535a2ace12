// CPU seconds from /proc for the upload benchmarks: this process's descendants
// (Chromium's processes, a forked server) by process kind and by thread. Under
// a shared machine's load, CPU-s per MiB holds up where wall-clock MiB/s does not.
import fs from 'node:fs';

const TICK = 100;   // USER_HZ

// /proc/<pid>[/task/<tid>]/stat -> { name, f: the fields after the name } (throws once it exited).
export function statFields(file) {
  const st = fs.readFileSync(file, 'utf8');
  return { name: st.slice(st.indexOf('(') + 1, st.lastIndexOf(')')), f: st.slice(st.lastIndexOf(')') + 2).split(' ') };
}
// User + system CPU-s of a stat's fields (a process's include its exited threads).
export const cpuOf = (f) => (Number(f[11]) + Number(f[12])) / TICK;

// Chromium's process kind by its --type=: browser, renderer, network, gpu or other.
export function chromiumKind(pid) {
  let cmd = '';
  try { cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { return 'other'; }
  const t = /--type=([\w-]+)/.exec(cmd)?.[1];
  if (!t) return /chrom/.test(cmd) ? 'browser' : 'other';
  if (t === 'utility') return /network/i.test(cmd) ? 'network' : 'other';
  return t === 'gpu-process' ? 'gpu' : t === 'renderer' ? 'renderer' : 'other';
}

// The processes below `root` (default: this one), now: [pid, ...].
export function descendants(root = process.pid) {
  const parent = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try { parent.set(Number(d), Number(statFields(`/proc/${d}/stat`).f[1])); } catch { /* exited */ }
  }
  const out = [];
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid), i = 0; p > 1 && i < 50; p = parent.get(p), i++) if (p === root) { out.push(pid); break; }
  }
  return out;
}

// Per-thread CPU while a measure runs, polled (a worker's thread may exit
// before the measure ends): start([[pid, kind], ...]), stop() -> Map of
// 'kind: thread name' -> [CPU-s of each thread of that name] (both page
// workers are "DedicatedWorker").
export function threadPoller(ms = 250) {
  const seen = new Map();   // pid/tid -> { name, first, last }
  let procs = [], timer = null, started = false;
  const sample = () => {
    for (const [pid, kind] of procs) {
      let tids = [];
      try { tids = fs.readdirSync(`/proc/${pid}/task`); } catch { continue; }
      for (const tid of tids) {
        try {
          const { name, f } = statFields(`/proc/${pid}/task/${tid}/stat`);
          const c = cpuOf(f), k = `${pid}/${tid}`;
          const e = seen.get(k);
          if (e) e.last = c; else seen.set(k, { name: `${kind}: ${name}`, first: started ? 0 : c, last: c });
        } catch { /* exited */ }
      }
    }
  };
  return {
    start(p) { procs = p; sample(); started = true; timer = setInterval(sample, ms); },
    stop() {
      clearInterval(timer); sample();
      const by = new Map();
      for (const e of seen.values()) by.set(e.name, [...(by.get(e.name) || []), e.last - e.first]);
      return by;
    },
  };
}
