#!/usr/bin/python3
"""Side-by-side benchmark of OCI runtimes, driven by scripts/bench.

Every workload runs once per runtime per round, in an order shuffled every
round (the kernel finishes part of a container's teardown after the runtime
exits and slows whichever runtime comes next; see `round_order`). Times are wall-clock
from spawn to reaped exit (posix_spawn + wait4, no shell in between); peak
RSS is wait4's ru_maxrss, which covers both images of a process that
re-executes itself and the children it waited for. Reported: the median
per runtime and the median of the round-by-round ratios.

Benchmarks only: nothing here passes or fails on a time.
"""

import argparse
import json
import os
import random
import resource
import statistics
import sys
import threading
import time
from typing import NamedTuple

REF = "crun-lazy"  # the runtime the targets are stated against

DEVNULL = os.open("/dev/null", os.O_RDWR | os.O_CLOEXEC)


class Failed(Exception):
    pass


class Runtime:
    def __init__(self, name, path, work, state):
        self.name = name
        self.path = path
        self.root = os.path.join(state, "state-" + name)
        self.scale_root = os.path.join(state, "scale-" + name)
        self.err = open(os.path.join(work, name + ".stderr"), "ab", buffering=0)
        self.scale_ids = []

    def call(self, *args, root=None, check=True, capture=False):
        """Run one command of this runtime."""
        argv = [self.path, "--root", root or self.root, *args]
        if RSS.on:
            rss_file = os.path.join(RSS.dir, f"rss-{threading.get_ident()}")
            argv = ["/usr/bin/time", "-f", "%M", "-o", rss_file, *argv]
        actions = [(os.POSIX_SPAWN_DUP2, DEVNULL, 0), (os.POSIX_SPAWN_DUP2, self.err.fileno(), 2)]
        r = w = None
        if capture:
            r, w = os.pipe()
            actions.append((os.POSIX_SPAWN_DUP2, w, 1))
        else:
            actions.append((os.POSIX_SPAWN_DUP2, DEVNULL, 1))
        t0 = time.perf_counter_ns()
        pid = os.posix_spawn(argv[0], argv, ENV, file_actions=actions, setsid=True)
        out = b""
        if capture:
            os.close(w)
            while True:
                chunk = os.read(r, 65536)
                if not chunk:
                    break
                out += chunk
            os.close(r)
        _, status, usage = os.wait4(pid, 0)
        ns = time.perf_counter_ns() - t0
        code = os.waitstatus_to_exitcode(status)
        rss = 0
        if RSS.on:
            with open(rss_file) as f:
                # time(1) reports the child's status on a line of its own
                # before %M when the child failed.
                rss = int(f.read().split()[-1])
        if check and code != 0:
            with open(self.err.name, "rb") as f:
                tail = f.read()[-600:].decode(errors="replace").strip()
            raise Failed(f"{self.name}: `{' '.join(args)}` exited with {code}; stderr ends:\n{tail}")
        # The kernel splits a task's exact run time into user and system
        # by tick samples, so the sum is exact though each part is not.
        cpu = round((usage.ru_utime + usage.ru_stime) * 1e9)
        return Call(ns, rss, out, cpu)


class Call(NamedTuple):
    ns: int  # spawn to reaped exit
    rss: int  # peak RSS, KiB, or 0 outside the RSS rounds
    out: bytes  # stdout, if captured
    cpu: int  # ns on a CPU: the runtime and every child it reaped


class RSS:
    """Peak RSS is measured in rounds of its own, through time(1): wait4's
    ru_maxrss of a process spawned from this (large) Python process starts
    at Python's own high-water mark, since the child's first exec records
    the memory it inherited; time(1) is smaller than every runtime."""

    on = False
    dir = None


class CgroupLock:
    """Moving a process into a cgroup takes the kernel's cgroup threadgroup
    lock for writing, and the first writer after a quiet spell waits for an
    RCU grace period (5-45 ms on this VM) before it gets it; a writer within
    a grace period of the last one does not. Every runtime's `run`, `create`
    and `exec` moves a process, so whether it pays that wait depends on what
    ran just before (runc's slow delete, the previous workload), not on the
    runtime: it turned the large bundles' rows into coin tosses. `prime`
    moves this process into the cgroup it is already in (a no-op move that
    takes the same lock) right before such a timed call, so every runtime
    starts with the lock warm, as on a host where migrations are frequent.
    The waits it absorbs are reported; `--cold-cgroup-lock` turns it off."""

    path = None  # a cgroup.procs this process can write itself into
    waits = []  # ns spent in each prime

    @classmethod
    def find(cls):
        mounts = []
        with open("/proc/self/mounts") as f:
            for line in f:
                _, point, fstype, opts = line.split()[:4]
                if fstype in ("cgroup", "cgroup2"):
                    mounts.append((point, fstype, set(opts.split(","))))
        with open("/proc/self/cgroup") as f:
            entries = [line.rstrip("\n").split(":", 2) for line in f]
        for _, ctrls, rel in entries:
            for point, fstype, opts in mounts:
                v2 = fstype == "cgroup2"
                if v2 != (ctrls == "") or not (v2 or set(ctrls.split(",")) <= opts):
                    continue
                path = os.path.join(point, rel.lstrip("/"), "cgroup.procs")
                try:
                    cls._move_self(path)
                except OSError:
                    continue
                cls.path = path
                return path
        return None

    @staticmethod
    def _move_self(path):
        with open(path, "w") as f:
            f.write(str(os.getpid()))

    @classmethod
    def prime(cls):
        if cls.path is None:
            return
        t0 = time.perf_counter_ns()
        cls._move_self(cls.path)
        cls.waits.append(time.perf_counter_ns() - t0)


ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
_counter = 0


def new_id(tag):
    global _counter
    _counter += 1
    return f"bench-{os.getpid()}-{_counter}-{tag}"


def wait_stopped(rt, cid):
    """Poll `state` until stopped (conmon's way); returns the time spent."""
    total, rss = 0, 0
    deadline = time.monotonic() + 30
    while True:
        c = rt.call("state", cid, capture=True)
        total += c.ns
        rss = max(rss, c.rss)
        if json.loads(c.out)["status"] == "stopped":
            return total, rss
        if time.monotonic() > deadline:
            raise Failed(f"{rt.name}: {cid} never stopped")


# --- workloads: each returns (ns, peak RSS KiB) for one round --------------


def run_delete(rt, bundle, prime=True):
    cid = new_id("run")
    if prime:
        CgroupLock.prime()
    a = rt.call("run", "--bundle", bundle, cid)
    # A foreground run removes the container itself; the delete is what
    # podman/containerd send anyway (and may find nothing to do).
    b = rt.call("delete", "--force", cid, check=False)
    return a.ns + b.ns, max(a.rss, b.rss)


def lifecycle(rt, b):
    cid = new_id("cycle")
    t, rss = 0, 0
    CgroupLock.prime()
    for args in (("create", "--bundle", b.true, cid), ("start", cid)):
        c = rt.call(*args)
        t, rss = t + c.ns, max(rss, c.rss)
    ns, m = wait_stopped(rt, cid)
    t, rss = t + ns, max(rss, m)
    c = rt.call("delete", cid)
    return t + c.ns, max(rss, c.rss)


def one_call(*args):
    def w(rt, b):
        if args[0] == "exec":
            CgroupLock.prime()
        c = rt.call(*[b.persistent if a == "{P}" else a for a in args])
        return c.ns, c.rss

    return w


def delete_stopped(rt, b):
    cid = new_id("del")
    rt.call("run", "--detach", "--bundle", b.true, cid)
    wait_stopped(rt, cid)
    c = rt.call("delete", cid)
    return c.ns, c.rss


def delete_created(rt, b):
    """`delete --force` of a created container (podman's `rm -f`): the
    init is killed and its cgroup removed while it is still exiting."""
    cid = new_id("delf")
    rt.call("create", "--bundle", b.podman, cid)
    c = rt.call("delete", "--force", cid)
    return c.ns, c.rss


def spec(rt, b):
    d = os.path.join(b.work, "spec-" + rt.name)
    os.makedirs(d, exist_ok=True)
    try:
        os.unlink(os.path.join(d, "config.json"))
    except FileNotFoundError:
        pass
    c = rt.call("spec", "--bundle", d)
    return c.ns, c.rss


def sequential(n):
    def w(rt, b):
        t, rss = 0, 0
        for _ in range(n):
            ns, m = run_delete(rt, b.true)
            t, rss = t + ns, max(rss, m)
        return t, rss

    return w


def parallel(n):
    def w(rt, b):
        results, errors = [], []

        def one():
            try:
                results.append(run_delete(rt, b.true, prime=False))
            except Exception as e:  # reported below, after every thread ended
                errors.append(e)

        threads = [threading.Thread(target=one) for _ in range(n)]
        CgroupLock.prime()
        t0 = time.perf_counter_ns()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        return time.perf_counter_ns() - t0, max(m for _, m in results)

    return w


# Calls that take a millisecond or two are repeated within a round (each
# repetition is a sample, paired across runtimes), run first in the round,
# after a pause that lets the kernel finish the previous round's container
# teardown (cgroups, namespaces) in the background.
QUICK_REPS = 5


def workloads(args):
    """(name, function, repetitions per round)"""
    return [
        ("state", one_call("state", "{P}"), QUICK_REPS),
        ("kill", one_call("kill", "{P}", "SIGCONT"), QUICK_REPS),
        ("list (1 container)", one_call("list"), QUICK_REPS),
        ("features", one_call("features"), QUICK_REPS),
        ("spec", spec, QUICK_REPS),
        ("ps", one_call("ps", "--format", "json", "{P}"), QUICK_REPS),
        ("exec", one_call("exec", "{P}", "/bin/true"), QUICK_REPS),
        ("delete", delete_stopped, 1),
        ("delete --force of a created podman-shaped container", delete_created, 1),
        ("run + delete", lambda rt, b: run_delete(rt, b.true), 1),
        ("create/start/wait/delete", lifecycle, 1),
        ("podman-shaped run + delete", lambda rt, b: run_delete(rt, b.podman), 1),
        ("200 mounts: run + delete", lambda rt, b: run_delete(rt, b.mounts), 1),
        (f"{args.seq} sequential run + delete", sequential(args.seq), 1),
        (f"{args.par} parallel run + delete", parallel(args.par), 1),
    ]


# --- bundles ---------------------------------------------------------------


def base_config(rootfs, proc_args):
    return {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": False,
            "user": {"uid": 0, "gid": 0},
            "args": proc_args,
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "cwd": "/",
            "capabilities": {k: list(DEFAULT_CAPS) for k in ("bounding", "effective", "permitted")},
            "noNewPrivileges": True,
        },
        "root": {"path": rootfs},
        "hostname": "bench",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs",
             "options": ["nosuid", "noexec", "nodev", "ro"]},
        ],
        "linux": {
            "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount")],
            "resources": {"devices": [{"allow": False, "access": "rwm"}]},
        },
    }


# podman's default capability set (containers.conf default_capabilities)
DEFAULT_CAPS = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
    "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP",
    "CAP_SETUID", "CAP_SYS_CHROOT",
]


def podman_seccomp(profile_path):
    """podman's default profile (containers-common's seccomp.json, docker
    format) as podman turns it into the OCI form for amd64 and the default
    capabilities: rules whose includes/excludes do not match are dropped."""
    with open(profile_path) as f:
        prof = json.load(f)
    arches = []
    for a in prof["archMap"]:
        if a["architecture"] == "SCMP_ARCH_X86_64":
            arches = [a["architecture"], *a.get("subArchitectures", [])]
    rules = []
    for s in prof["syscalls"]:
        inc, exc = s.get("includes") or {}, s.get("excludes") or {}
        if inc.get("arches") and "amd64" not in inc["arches"]:
            continue
        if any(c not in DEFAULT_CAPS for c in inc.get("caps") or []):
            continue
        if "amd64" in (exc.get("arches") or []):
            continue
        if any(c in DEFAULT_CAPS for c in exc.get("caps") or []):
            continue
        rule = {"names": s["names"], "action": s["action"]}
        if s.get("errnoRet") is not None:
            rule["errnoRet"] = s["errnoRet"]
        if s.get("args"):
            rule["args"] = s["args"]
        rules.append(rule)
    out = {"defaultAction": prof["defaultAction"], "architectures": arches, "syscalls": rules}
    if prof.get("defaultErrnoRet") is not None:
        out["defaultErrnoRet"] = prof["defaultErrnoRet"]
    return out


def podman_config(rootfs, bundle, profile_path):
    """What podman 4.3 (rootful, cgroupfs, --network none) writes for
    `podman run IMAGE /bin/true`: its mounts, the files it binds in from its
    per-container directory, its annotations, rlimits, sysctl, pids limit,
    masked and read-only paths, and the default seccomp profile. The cgroup
    path is left to the runtime (podman's /libpod_parent would outlive the
    benchmark)."""
    c = base_config(rootfs, ["/bin/true"])
    p = c["process"]
    p["env"] += ["TERM=xterm", "container=podman", "HOSTNAME=5d4fa8c3b1e2", "HOME=/root"]
    p["user"]["umask"] = 18
    p["noNewPrivileges"] = False
    # podman's defaults, lowered to this process's hard limits where raising
    # them would need CAP_SYS_RESOURCE (which some hosts withhold from root)
    p["rlimits"] = [
        {"type": name, "hard": min(want, hard), "soft": min(want, hard)}
        for name, want, hard in (
            ("RLIMIT_NOFILE", 1048576, resource.getrlimit(resource.RLIMIT_NOFILE)[1]),
            ("RLIMIT_NPROC", 4194304, resource.getrlimit(resource.RLIMIT_NPROC)[1]),
        )
    ]
    p["oomScoreAdj"] = 0
    c["hostname"] = "5d4fa8c3b1e2"
    files = os.path.join(bundle, "userdata")
    os.makedirs(os.path.join(files, "shm"), exist_ok=True)
    for name, text in (("resolv.conf", "nameserver 192.0.2.53\n"),
                       ("hosts", "127.0.0.1 localhost\n::1 localhost\n"),
                       ("hostname", "5d4fa8c3b1e2\n"),
                       (".containerenv", 'engine="podman-4.3.1"\nname="bench"\nrootless=0\n')):
        with open(os.path.join(files, name), "w") as f:
            f.write(text)
    c["mounts"] += [
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
         "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/etc/resolv.conf", "type": "bind", "source": f"{files}/resolv.conf",
         "options": ["bind", "rprivate"]},
        {"destination": "/etc/hosts", "type": "bind", "source": f"{files}/hosts",
         "options": ["bind", "rprivate"]},
        {"destination": "/dev/shm", "type": "bind", "source": f"{files}/shm",
         "options": ["bind", "rprivate", "nosuid", "noexec", "nodev"]},
        {"destination": "/etc/hostname", "type": "bind", "source": f"{files}/hostname",
         "options": ["bind", "rprivate"]},
        {"destination": "/run/.containerenv", "type": "bind", "source": f"{files}/.containerenv",
         "options": ["bind", "rprivate"]},
        {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
         "options": ["rprivate", "nosuid", "noexec", "nodev", "relatime", "ro"]},
    ]
    c["annotations"] = {
        "io.container.manager": "libpod",
        "io.kubernetes.cri-o.Created": "2024-01-01T00:00:00.000000000Z",
        "io.kubernetes.cri-o.TTY": "false",
        "io.podman.annotations.autoremove": "TRUE",
        "io.podman.annotations.init": "FALSE",
        "io.podman.annotations.privileged": "FALSE",
        "io.podman.annotations.publish-all": "FALSE",
        "org.opencontainers.image.stopSignal": "15",
    }
    lx = c["linux"]
    lx["sysctl"] = {"net.ipv4.ping_group_range": "0 0"}
    lx["resources"]["pids"] = {"limit": 2048}
    lx["seccomp"] = podman_seccomp(profile_path)
    lx["maskedPaths"] = [
        "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
        "/sys/fs/selinux", "/sys/dev/block",
    ]
    lx["readonlyPaths"] = [
        "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
    ]
    return c


class Bundles:
    def __init__(self, work, rootfs, profile):
        self.work = work
        self.true = self._write("true", base_config(rootfs, ["/bin/true"]))
        self.sleep = self._write("sleep", base_config(rootfs, ["sleep", "1000000"]))
        pb = os.path.join(work, "podman")
        self.podman = self._write("podman", podman_config(rootfs, pb, profile))
        self.podman_size = os.path.getsize(os.path.join(self.podman, "config.json"))
        c = base_config(rootfs, ["/bin/true"])
        vol = os.path.join(work, "volume")
        os.makedirs(vol, exist_ok=True)
        c["mounts"] += [
            {"destination": f"/mnt/v{i}", "type": "bind", "source": vol, "options": ["rbind", "ro"]}
            for i in range(200)
        ]
        self.mounts = self._write("mounts", c)
        self.persistent = None

    def _write(self, name, config):
        d = os.path.join(self.work, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "config.json"), "w") as f:
            # compact, as podman and containerd write it
            json.dump(config, f, separators=(",", ":"))
        return d


# --- running and reporting -------------------------------------------------


def round_order(items, i):
    """The runtimes' order for round `i`: shuffled, with a fixed seed. A plain
    rotation always puts the same runtime after the same one, and what ran
    just before matters on cgroup v1: the first migration into a cgroup
    waits for an RCU grace period (15-25 ms here) unless another migration
    happened shortly before, so a runtime that always follows slow runc
    would always pay it."""
    order = list(items)
    random.Random(i).shuffle(order)
    return order


def main_rounds(rts, b, wls, rounds, rss_rounds):
    times = {w: {r.name: [] for r in rts} for w, _, _ in wls}
    rss = {w: {r.name: [] for r in rts} for w, _, _ in wls}
    for i in range(rounds + rss_rounds):
        RSS.on = i >= rounds
        time.sleep(0.5)
        for w, fn, reps in wls:
            for k in range(reps if not RSS.on else 1):
                for rt in round_order(rts, i + k):
                    ns, m = fn(rt, b)
                    (rss if RSS.on else times)[w][rt.name].append(m if RSS.on else ns)
        print(f"bench: round {i + 1}/{rounds + rss_rounds} done", file=sys.stderr)
    RSS.on = False
    return times, rss


def scale(rts, b, steps, rounds):
    """list, state and create with N running containers in the state root.

    The steps are visited up and then down again (1, 100, 250, 500, 250, 100,
    1), half the rounds each way: measured only on the way up, whatever
    drifts over the minutes of the climb (every runtime's containers running
    system-wide, the kernel's caches) reads as growth with N. The samples of
    both ways are pooled; the report also gives each way's slope.

    Besides the wall time, each call's CPU time is kept ("list cpu", ...):
    it leaves out the waits (for a CPU, for a cgroup lock held by the
    kernel's teardown of an earlier container), so growth that is waiting
    and growth that is work can be told apart. Both stray here: a create
    with 500 containers running per runtime spans about 2 ms between its
    first and third quartiles in either, so telling the growth per container
    to within a microsecond takes hundreds of rounds (--scale-rounds)."""
    ways = {}  # (op, n, "up" | "down") -> runtime -> [ns]
    visits = [(n, "up") for n in steps] + [(n, "down") for n in steps[-2::-1]]
    for n, way in visits:
        twice = n != steps[-1]
        count = (rounds + (way == "up")) // 2 if twice else rounds
        resize(rts, b, n)
        for i in range(count):
            for rt in round_order(rts, i):
                for op, ns in scale_samples(rt, b):
                    ways.setdefault((op, n, way), {}).setdefault(rt.name, []).append(ns)
        print(f"bench: scale step {n} ({way}) done", file=sys.stderr)
    res = {}  # (op, n) -> runtime -> [ns], both ways pooled
    for (op, n, _), by_rt in ways.items():
        for name, ns in by_rt.items():
            res.setdefault((op, n), {}).setdefault(name, []).extend(ns)
    return res, ways


def scale_samples(rt, b):
    """One runtime's samples of one round at the current step, as (op, ns):
    list, state and create, each in wall and in CPU time."""
    r = rt.scale_root
    out = []
    for op, args in (("list", ("list",)), ("state", ("state", rt.scale_ids[0]))):
        c = rt.call(*args, root=r)
        out += [(op, c.ns), (op + " cpu", c.cpu)]
    cid = new_id("screate")
    CgroupLock.prime()
    c = rt.call("create", "--bundle", b.sleep, cid, root=r)
    out += [("create", c.ns), ("create cpu", c.cpu + init_cpu(rt, cid, r))]
    rt.call("delete", "--force", cid, root=r)
    return out


def init_cpu(rt, cid, root):
    """ns the created container's init has been on a CPU: the part of
    `create` done in the container (mounts, pivot_root, seccomp), which has
    not exited, so wait4 of the runtime does not count it."""
    pid = json.loads(rt.call("state", cid, root=root, capture=True).out)["pid"]
    with open(f"/proc/{pid}/schedstat") as f:
        return int(f.read().split()[0])


def resize(rts, b, n):
    """Every runtime's scale root grown or shrunk to n running containers,
    interleaved."""
    while any(len(rt.scale_ids) != n for rt in rts):
        for rt in rts:
            if len(rt.scale_ids) < n:
                cid = new_id("scale")
                rt.call("run", "--detach", "--bundle", b.sleep, cid, root=rt.scale_root)
                rt.scale_ids.append(cid)
            elif len(rt.scale_ids) > n:
                rt.call("delete", "--force", rt.scale_ids.pop(), root=rt.scale_root)


def cleanup(rts):
    for rt in rts:
        for root, ids in ((rt.root, []), (rt.scale_root, rt.scale_ids)):
            if not os.path.isdir(root):
                continue
            try:
                out = rt.call("list", "--quiet", root=root, capture=True, check=False).out
                ids = set(ids) | set(out.decode().split())
            except OSError:
                pass
            for cid in ids:
                rt.call("delete", "--force", cid, root=root, check=False)


def ms(ns):
    return f"{ns / 1e6:.2f}" if ns < 1e10 else f"{ns / 1e9:.2f} s"


def round_ratios(a, b):
    """a's time over b's, round by round."""
    return [x / y for x, y in zip(a, b)]


def ratio_stats(a, b):
    """Median of the round-by-round ratios, and the ratio of the medians."""
    pairs = round_ratios(a, b)
    return statistics.median(pairs), statistics.median(a) / statistics.median(b)


def bootstrap_interval(statistic, draws=2000):
    """A 95 % bootstrap interval: `statistic(rng)` computed on `draws`
    resamplings (fixed seed, so the same samples give the same interval)."""
    rng = random.Random(0)
    values = sorted(statistic(rng) for _ in range(draws))
    return values[int(0.025 * draws)], values[int(0.975 * draws) - 1]


def resampled_median(rng, values):
    return statistics.median(rng.choices(values, k=len(values)))


def median_interval(values):
    """A 95 % bootstrap interval for the median of `values` (one per round):
    how far the median could move from run to run with this many rounds."""
    return bootstrap_interval(lambda rng: resampled_median(rng, values))


def slope_difference(lo, hi, span):
    """How much more stockade's time (wall or CPU) grows than crun-lazy's
    per step of N, from the round-by-round differences between the two at
    the lowest and the highest N (the runtimes take turns within a round),
    with a 95 % bootstrap interval: (point, low, high)."""
    d_lo = [s - c for s, c in zip(lo["stockade"], lo[REF])]
    d_hi = [s - c for s, c in zip(hi["stockade"], hi[REF])]
    low, high = bootstrap_interval(
        lambda rng: resampled_median(rng, d_hi) - resampled_median(rng, d_lo))
    point = statistics.median(d_hi) - statistics.median(d_lo)
    return point / span, low / span, high / span


def ratio_interval(a, b):
    """median_interval of the round-by-round ratios."""
    return median_interval(round_ratios(a, b))


def fs_type(path):
    """The file system type /proc/self/mounts gives for `path`."""
    best, kind = "", "?"
    with open("/proc/self/mounts") as f:
        for line in f:
            _, mnt, fstype = line.split()[:3]
            mnt = mnt.replace("\\040", " ")
            inside = path == mnt or path.startswith(mnt.rstrip("/") + "/")
            if inside and len(mnt) >= len(best):
                best, kind = mnt, fstype
    return kind


def report(args, rts, b, times, rss, sc, ways):
    names = [r.name for r in rts]
    others = [n for n in names if n != "stockade"]
    la = os.getloadavg()
    print(f"\n{args.rounds} rounds ({QUICK_REPS} calls per round for the quick verbs), "
          f"{os.cpu_count()} cores, kernel {os.uname().release}, "
          f"load average at the end {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}"
          f" (at the start {args.load_start})")
    print(f"podman-shaped config.json: {b.podman_size} bytes; state roots on "
          f"{fs_type(args.state or args.work)} ({args.state or args.work})\n")
    if CgroupLock.path:
        w = sorted(CgroupLock.waits) or [0]
        slow = sum(1 for x in w if x > 2_000_000)
        print(f"cgroup lock warmed before every timed run/create/exec through {CgroupLock.path}: "
              f"{len(CgroupLock.waits)} times, {slow} of them waited > 2 ms for RCU "
              f"(median {ms(statistics.median(w))} ms, max {ms(w[-1])} ms), outside the times\n")
    else:
        print("cgroup lock NOT warmed: a timed run/create/exec may wait for an RCU grace period\n")
    print("Median wall time, ms; ratios are medians of the round-by-round ratios "
          "(stockade's time / the other's, same round)\n")
    print("| workload | " + " | ".join(names) + " | " +
          " | ".join(f"stockade/{o}" for o in others) + " |")
    print("|---" * (1 + len(names) + len(others)) + "|")
    for w in times:
        t = times[w]
        cells = [ms(statistics.median(t[n])) for n in names]
        ratios = [f"{ratio_stats(t['stockade'], t[o])[0]:.2f}x" for o in others]
        print(f"| {w} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    if sc:
        n = max(n for _, n in sc)
        t = sc[("list", n)]
        cells = [ms(statistics.median(t[x])) for x in names]
        ratios = [f"{ratio_stats(t['stockade'], t[o])[0]:.2f}x" for o in others]
        print(f"| list ({n} containers) | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    print(f"\nPeak RSS, KiB (median over {args.rss_rounds} rounds of the largest process of the workload)\n")
    print("| workload | " + " | ".join(names) + f" | stockade - {REF} |")
    print("|---" * (2 + len(names)) + "|")
    for w in rss:
        med = {n: statistics.median(rss[w][n]) for n in names}
        print(f"| {w} | " + " | ".join(f"{med[n]:.0f}" for n in names) +
              f" | {med['stockade'] - med[REF]:+.0f} |")
    if sc:
        steps = sorted({n for _, n in sc})
        print(f"\nScale: median ms with N running containers in the state root "
              f"({args.scale_rounds} rounds per step, half of them on the way up and half on the way "
              f"back down, N={steps[-1]} once); growth = time at N={steps[-1]} / time at N={steps[0]}; "
              f"per container = (time at N={steps[-1]} - time at N={steps[0]}) / {steps[-1] - steps[0]}, "
              f"in us, from all the rounds and from each way's\n")
        growth_gaps = []
        print("| operation | N | " + " | ".join(names) + " |")
        print("|---" * (2 + len(names)) + "|")
        for op in ("list", "state", "create"):
            for n in steps:
                t = sc[(op, n)]
                print(f"| {op} | {n} | " + " | ".join(ms(statistics.median(t[x])) for x in names) + " |")
            first, last = sc[(op, steps[0])], sc[(op, steps[-1])]
            print(f"| {op} | growth | " + " | ".join(
                f"{statistics.median(last[x]) / statistics.median(first[x]):.2f}x" for x in names) + " |")
            span = steps[-1] - steps[0]
            print(f"| {op} | per container | " + " | ".join(
                f"{(statistics.median(last[x]) - statistics.median(first[x])) / span / 1000:.1f} us"
                for x in names) + " |")
            for way in ("up", "down"):
                if (op, steps[0], way) not in ways or span == 0:
                    continue
                lo, hi = ways[(op, steps[0], way)], ways.get((op, steps[-1], way), last)
                print(f"| {op} | per container, {way} | " + " | ".join(
                    f"{(statistics.median(hi[x]) - statistics.median(lo[x])) / span / 1000:.1f} us"
                    for x in names) + " |")
            cpu_first, cpu_last = sc[(op + " cpu", steps[0])], sc[(op + " cpu", steps[-1])]
            print(f"| {op} | CPU ms at N={steps[0]} / N={steps[-1]} | " + " | ".join(
                f"{ms(statistics.median(cpu_first[x]))} / {ms(statistics.median(cpu_last[x]))}"
                for x in names) + " |")
            if span:
                growth_gaps.append((op, slope_difference(first, last, span),
                                    slope_difference(cpu_first, cpu_last, span)))
        if growth_gaps:
            print(f"\nstockade's growth less {REF}'s, per container, from the round-by-round "
                  f"differences between the two at N={steps[0]} and at N={steps[-1]}, in wall "
                  f"time and in CPU time (create's CPU time includes the container init's):")
        for op, wall, cpu in growth_gaps:
            print(f"- {op}: " + ", ".join(
                f"{kind} {point / 1000:+.2f} us (95 % interval {lo / 1000:+.2f} to {hi / 1000:+.2f})"
                for kind, (point, lo, hi) in (("wall", wall), ("CPU", cpu))))
    # The targets, against crun-lazy: every workload at or below
    # 1.00x, the verbs that never enter a container at or below 0.70x, peak
    # RSS at most 1 MiB above.
    host_only = ("state", "kill", "delete", "list", "features", "spec", "ps")
    print(f"\nTargets against {REF} (round-by-round ratio medians):")
    for w in times:
        r = ratio_stats(times[w]["stockade"], times[w][REF])[0]
        limit = 0.70 if w.split(" ")[0] in host_only else 1.00
        extra = statistics.median(rss[w]["stockade"]) - statistics.median(rss[w][REF]) if rss[w]["stockade"] else 0
        verdict = "met" if r <= limit and extra <= 1024 else "NOT met"
        lo, hi = ratio_interval(times[w]["stockade"], times[w][REF])
        print(f"- {w}: {r:.3f}x (95 % interval {lo:.3f}-{hi:.3f}; target <= {limit:.2f}x), "
              f"RSS {extra:+.0f} KiB (target <= +1024): {verdict}")
    if "run + delete" in times and "200 mounts: run + delete" in times:
        one, many = times["run + delete"], times["200 mounts: run + delete"]
        print("\n200 mounts: run + delete with 200 bind mounts / without: " + ", ".join(
            f"{x} {statistics.median(many[x]) / statistics.median(one[x]):.2f}x" for x in names))
        # What the mounts add, round by round (both workloads ran in every
        # round), and whether stockade's addition is larger than crun-lazy's
        # by more than the rounds' spread.
        added = {x: [m - o for m, o in zip(many[x], one[x])] for x in names}
        print("200 mounts add, ms (median of the round-by-round differences): " + ", ".join(
            f"{x} +{ms(statistics.median(added[x]))}" for x in names))
        diff = [s - c for s, c in zip(added["stockade"], added[REF])]
        lo, hi = median_interval(diff)
        print(f"stockade's addition - {REF}'s, round by round: median {ms(statistics.median(diff))} ms "
              f"(95 % interval {ms(lo)} to {ms(hi)})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--state", help="where the runtimes' state roots go (default: --work)")
    ap.add_argument("--rootfs", required=True)
    ap.add_argument("--seccomp-profile", required=True)
    ap.add_argument("--runtime", action="append", default=[], metavar="NAME=PATH")
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--rss-rounds", type=int, default=3)
    ap.add_argument("--seq", type=int, default=50)
    ap.add_argument("--par", type=int, default=10)
    ap.add_argument("--scale", default="1,100,250,500")
    ap.add_argument("--scale-rounds", type=int, default=30)
    ap.add_argument("--only", help="comma-separated workload name prefixes")
    ap.add_argument("--samples", help="also write every sample (ns, KiB) as JSON to this file")
    ap.add_argument("--cold-cgroup-lock", action="store_true",
                    help="do not warm the cgroup lock before timed run/create/exec (see CgroupLock)")
    ap.add_argument("--bundles-only", action="store_true",
                    help="write the bundles into --work and stop (scripts/hot-functions)")
    args = ap.parse_args()
    if args.bundles_only:
        Bundles(args.work, args.rootfs, args.seccomp_profile)
        return
    RSS.dir = args.work
    if not args.cold_cgroup_lock and CgroupLock.find() is None:
        print("bench: WARNING: no cgroup.procs this process can write itself into; "
              "the cgroup lock is not warmed (timed runs may wait for RCU)", file=sys.stderr)
    la = os.getloadavg()
    args.load_start = f"{la[0]:.2f} {la[1]:.2f} {la[2]:.2f}"

    rts = [Runtime(*spec.split("=", 1), args.work, args.state or args.work)
           for spec in args.runtime]
    if not rts or rts[0].name != "stockade" or not any(r.name == REF for r in rts):
        sys.exit("bench.py: the first runtime must be stockade, and crun-lazy must be one of them")
    b = Bundles(args.work, args.rootfs, args.seccomp_profile)
    wls = workloads(args)
    if args.only:
        keep = args.only.split(",")
        wls = [wl for wl in wls if any(wl[0].startswith(k) for k in keep)]
    try:
        b.persistent = new_id("persistent")
        for rt in rts:
            rt.call("run", "--detach", "--bundle", b.sleep, b.persistent)
        times, rss = main_rounds(rts, b, wls, args.rounds, args.rss_rounds)
        steps = [int(s) for s in args.scale.split(",") if s]
        sc, ways = scale(rts, b, steps, args.scale_rounds) if steps else ({}, {})
    finally:
        cleanup(rts)
    if args.samples:
        with open(args.samples, "w") as f:
            json.dump({"times": times, "rss": rss,
                       "scale": {f"{op} {n}": v for (op, n), v in sc.items()}}, f)
    report(args, rts, b, times, rss, sc, ways)


if __name__ == "__main__":
    main()
