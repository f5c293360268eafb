#!/usr/bin/python3
"""Where a foreground `run` spends its time, phase by phase, for each
runtime: driven by `scripts/bench --phases` (a diagnostic, not a test).

The runs are interleaved as in bench.py (its `round_order`). perf
records, machine-wide, the kernel's exec, fork and exit events (with
--faults, every minor page fault too); each run is then cut at its own
events:

  start      exec of the runtime
  re-exec    its exec of its read-only clone (CVE-2019-5736; none: = start)
  clone      its first fork, the container's init
  exec       the container's process replacing that init
  exit       the runtime's exit (the container has exited and been deleted)

Reported: the median of each phase, per runtime; with --faults, also of
each phase's page faults (the runtime's own, and the init's before its
exec). perf then writes a sample for every fault, which slows each phase by
about a microsecond per fault: compare times from a run without --faults.
"""

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import time

from bench import round_order

PHASES = [
    ("start → re-exec", "start", "reexec"),
    ("re-exec → clone", "reexec", "clone"),
    ("clone → container's exec", "clone", "exec"),
    ("container's exec → runtime exit", "exec", "exit"),
    ("whole run", "start", "exit"),
]
EVENT = re.compile(r"\s*(\S.*?)\s+(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)")


def record(args, rts):
    data = os.path.join(args.work, "phases.data")
    events = ["-e", "sched:sched_process_exec", "-e", "sched:sched_process_fork",
              "-e", "sched:sched_process_exit"]
    if args.faults:
        events += ["-e", "minor-faults", "-c", "1"]
    perf = subprocess.Popen(["perf", "record", "-q", "-a", "-o", data, *events],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2)  # perf opens its events machine-wide before the first run
    if perf.poll() is not None:
        sys.exit("bench --phases: perf record did not start")
    try:
        rounds(args, rts)
    finally:
        perf.send_signal(signal.SIGINT)
        perf.wait()
    out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,pid,time,event,trace"],
                         capture_output=True, text=True, check=True).stdout
    return out.splitlines()


def rounds(args, rts):
    """`run` + `delete --force` (as bench.py's run + delete), interleaved."""
    null = subprocess.DEVNULL
    for i in range(args.rounds):
        for name, path in round_order(rts, i):
            root = os.path.join(args.state, "state-" + name)
            cid = f"phases-{i}-{name}"
            r = subprocess.run([path, "--root", root, "run", "--bundle", args.bundle, cid],
                               stdin=null, stdout=null, stderr=subprocess.PIPE)
            if r.returncode != 0:
                sys.exit(f"bench --phases: {name} run exited with {r.returncode}: "
                         f"{r.stderr.decode(errors='replace').strip()}")
            subprocess.run([path, "--root", root, "delete", "--force", cid],
                           stdin=null, stdout=null, stderr=null)


def cut(lines, rts):
    """Each run's event times (ms) and faults per phase, by runtime name."""
    by_path = {path: name for name, path in rts}
    runs = {name: [] for name, _ in rts}
    live = {}  # pid -> the run it belongs to (the runtime's, or its init's)
    for line in lines:
        m = EVENT.match(line)
        if not m:
            continue
        _, pid, t, event, rest = m.groups()
        t = float(t) * 1000
        if event.endswith("sched_process_exec"):
            f = re.search(r"filename=(\S+)", rest).group(1)
            if f in by_path:
                run = {"start": t, "pid": pid, "faults": {}, "init_faults": 0}
                runs[by_path[f]].append(run)
                live[pid] = run
            elif pid in live:
                run = live[pid]
                if pid == run["pid"] and "clone" not in run:
                    run["reexec"] = t
                elif pid != run["pid"] and "exec" not in run:
                    run["exec"] = t
                    del live[pid]
        elif event.endswith("sched_process_fork") and pid in live:
            run = live[pid]
            if pid == run["pid"] and "clone" not in run:
                run["clone"] = t
                live[re.search(r"child_pid=(\d+)", rest).group(1)] = run
        elif event.endswith("sched_process_exit") and pid in live:
            run = live.pop(pid)
            if pid == run["pid"]:
                run["exit"] = t
        elif "faults" in event and pid in live:
            run = live[pid]
            if pid != run["pid"]:
                run["init_faults"] += 1
            else:
                phase = ("exec" if "exec" in run else "clone" if "clone" in run
                         else "reexec" if "reexec" in run else "start")
                run["faults"][phase] = run["faults"].get(phase, 0) + 1
    for name in runs:
        full = []
        for r in runs[name]:
            r.setdefault("reexec", r["start"])
            if all(k in r for k in ("clone", "exec", "exit")):
                full.append(r)
        runs[name] = full  # the deletes, which start no container, drop out here
    return runs


def report(runs, rts, faults):
    names = [n for n, _ in rts]
    cols = [f"{n} ms" for n in names] + ([f"{n} faults" for n in names] if faults else [])
    print("| phase | " + " | ".join(cols) + " |")
    print("|---" * (1 + len(cols)) + "|")
    for label, a, b in PHASES:
        ms = [f"{statistics.median(r[b] - r[a] for r in runs[n]):.2f}" for n in names]
        if not faults:
            print(f"| {label} | " + " | ".join(ms) + " |")
            continue
        if a == "start" and b == "exit":
            fl = [f"{statistics.median(sum(r['faults'].values()) for r in runs[n]):.0f}"
                  for n in names]
        else:
            fl = [f"{statistics.median(r['faults'].get(a, 0) for r in runs[n]):.0f}"
                  for n in names]
        print(f"| {label} | " + " | ".join(ms) + " | " + " | ".join(fl) + " |")
    if faults:
        fl = [f"{statistics.median(r['init_faults'] for r in runs[n]):.0f}" for n in names]
        print("| (the init, clone → its exec) | " + " | ".join("" for _ in names) + " | " +
              " | ".join(fl) + " |")
    print("\nruns cut: " + ", ".join(f"{n} {len(runs[n])}" for n in names))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--state", required=True)
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--runtime", action="append", required=True, metavar="NAME=PATH")
    ap.add_argument("--faults", action="store_true", help="also count page faults per phase")
    args = ap.parse_args()
    rts = [tuple(s.split("=", 1)) for s in args.runtime]
    if len({path for _, path in rts}) < len(rts):
        # runs are told apart by the path the kernel execs
        sys.exit("bench --phases: every runtime needs a binary of its own path")
    runs = cut(record(args, rts), rts)
    short = [n for n, _ in rts if len(runs[n]) < args.rounds // 2]
    if short:
        sys.exit(f"bench --phases: too few runs could be cut for {', '.join(short)} "
                 "(events lost? try fewer rounds)")
    report(runs, rts, args.faults)


if __name__ == "__main__":
    main()
