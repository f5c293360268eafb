# The scenarios scripts/e2e-vm runs inside a Debian guest (systemd as PID 1,
# pure cgroup v2), copied to the guest's 9p share as `guest-run` and started
# at boot by the image's stockade-e2e.service.  Every scenario runs twice: with
# stockade (the package installed here with dpkg -i) and with the guest's own
# crun as the control, so that a failure can be attributed.  Each check is one
# line in $share/results: SCENARIO<TAB>RUNTIME<TAB>ok|FAIL|NOTE<TAB>CHECK.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
set -u
share=/mnt/e2e
results=$share/results
work=/var/tmp/e2e
img=localhost/e2e-busybox:latest
ctr_img=docker.io/library/stockade-busybox:e2e
: > "$results"
exec > >(tee -a "$share/log") 2>&1
tee_pid=$!
export PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
codename=$(. /etc/os-release && echo "$VERSION_CODENAME")

SCEN=setup
RT=setup
rec() { printf '%s\t%s\t%s\t%s\n' "$SCEN" "$RT" "$1" "$2" >> "$results"; }
ok() { rec ok "$1"; echo "  ok    [$RT] $SCEN: $1"; }
bad() {
    rec FAIL "$1"; echo "  FAIL  [$RT] $SCEN: $1"
    shift
    [ $# -gt 0 ] && printf '        %s\n' "$@" | head -20
    return 0
}
note() { rec NOTE "$1"; echo "  NOTE  [$RT] $SCEN: $1"; }
# check NAME COMMAND...: passes when COMMAND exits 0.  Output goes to a file,
# not a pipe, so a detached container keeping its stdio open cannot hang it.
check() {
    local name=$1 rc t=(timeout 300)
    shift
    [ "$(type -t "$1")" = function ] && t=()   # the function bounds its own commands
    "${t[@]}" "$@" < /dev/null > "$work/out" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ]; then ok "$name"; else bad "$name" "exit $rc: $*" "$(cat "$work/out")"; fi
    return "$rc"
}
expect() { if [ "$3" = "$2" ]; then ok "$1"; else bad "$1" "want: $2" "got:  $3"; fi; }
expect_in() { case "$3" in *"$2"*) ok "$1" ;; *) bad "$1" "want text: $2" "got: $3" ;; esac; }
expect_not_in() { case "$3" in *"$2"*) bad "$1" "unwanted text: $2" "got: $3" ;; *) ok "$1" ;; esac; }
# Output of a command that exits; stdin closed, bounded in time.
run() { timeout 300 "$@" < /dev/null 2>&1; }

cgroup_of() { sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null; }
cg_file() { cat "/sys/fs/cgroup$1/$2" 2>&1; }
frozen() { sed -n 's/^frozen //p' "/sys/fs/cgroup$1/cgroup.events" 2>/dev/null; }
unit_prop() { systemctl show -p "$2" --value "$1" 2>&1; }
# wait_for SECONDS COMMAND...: until COMMAND succeeds
wait_for() {
    local n=$(($1 * 5))
    shift
    while [ "$n" -gt 0 ]; do "$@" > /dev/null 2>&1 && return 0; sleep 0.2; n=$((n - 1)); done
    return 1
}

# Each scenario runs once per runtime: RT is the name, RTB its binary.
scenario() { # NAME FUNCTION
    local t0=$SECONDS
    SCEN=$1
    for RT in stockade crun; do
        RTB=/usr/bin/$RT
        echo "== $SCEN ($RT)"
        "$2"
    done
    echo "== $SCEN took $((SECONDS - t0)) s"
}

# --- setup: the host shape, the package, images --------------------------------
setup() {
    mkdir -p "$work"
    # The boot may still be settling; what counts is that systemd is PID 1.
    timeout 120 systemctl is-system-running --wait > /dev/null 2>&1
    {
        echo "kernel $(uname -r)"
        echo "cgroupfs $(stat -fc %T /sys/fs/cgroup)"
        echo "systemd $(systemctl --version | head -1)"
        echo "podman $(podman --version)"
        echo "conmon $(conmon --version | head -1)"
        echo "containerd $(containerd --version)"
        echo "crun $(crun --version | head -1)"
        echo "runc $(runc --version | head -1)"
        echo "boot $(systemd-analyze time | head -1)"
        dpkg-query -W -f '${Package} ${Version}\n' podman conmon containerd crun runc systemd | sed 's/^/deb /'
    } > "$share/env" 2>&1
    expect "PID 1 is systemd" systemd "$(cat /proc/1/comm)"
    expect "pure cgroup v2 (/sys/fs/cgroup is cgroup2fs)" cgroup2fs "$(stat -fc %T /sys/fs/cgroup)"
    expect "no cgroup v1 hierarchy mounted" "" "$(awk '$3 == "cgroup"' /proc/mounts)"
    check "dpkg -i the stockade package" dpkg -i "$share/stockade.deb"
    expect "stockade --version runs" 0 "$(stockade --version > /dev/null 2>&1; echo $?)"
    mkdir -p "$work/rootfs"
    tar -C "$work/rootfs" -xf "$share/rootfs.tar"
    cp "$share/rootfs.tar" "$work/rootfs.tar"
    chmod 644 "$work/rootfs.tar"
    check "podman import the busybox image (no registry)" podman import -q "$work/rootfs.tar" "$img"
    wait_for 60 ctr version
    check "ctr image import the OCI image (no registry)" ctr -n e2e image import "$share/oci.tar"
}

# --- direct runtime use ---------------------------------------------------------
# bundle DIR ID JQ [JQ-ARGS...]: a bundle from the runtime's own `spec`, the
# busybox rootfs and a jq filter over config.json ($id is the container id).
bundle() {
    local dir=$1 id=$2 filter=$3
    shift 3
    rm -rf "$dir"
    mkdir -p "$dir"
    cp -a "$work/rootfs" "$dir/rootfs"
    (cd "$dir" && "$RTB" spec > /dev/null 2>&1) || { bad "$RT spec writes a config.json"; return 1; }
    jq --arg id "$id" "$@" "$filter" "$dir/config.json" > "$dir/config.tmp" && mv "$dir/config.tmp" "$dir/config.json"
}
limits='.process.terminal = false
    | .linux.resources.memory = {limit: 67108864}
    | .linux.resources.pids = {limit: 64}
    | .linux.resources.cpu = {quota: 50000, period: 100000}'

state_status() { "$RTB" state "$1" 2>/dev/null | jq -r .status; }
list_status() { "$RTB" list --format json 2>/dev/null | jq -r --arg id "$1" '.[] | select(.id == $id) | .status'; }
wait_stopped() { wait_for 20 sh -c "[ \"\$($RTB state $1 2>/dev/null | jq -r .status)\" = stopped ]"; }

# The checks both cgroup managers share: a detached container with limits,
# read back from the host's cgroup files, updated, frozen, exec'd into,
# killed and deleted.  MGR is "" (cgroupfs) or --systemd-cgroup; SCOPE, when
# given, is the transient unit systemd must show while the container lives.
lifecycle() { # ID CGROUPS-PATH WANT-CGROUP MGR [SCOPE]
    local id=$1 want=$3 mgr=$4 scope=${5:-} b=$work/b-$1 pid cg out
    bundle "$b" "$id" "$limits | .process.args = [\"sleep\", \"1000\"] | .linux.cgroupsPath = \$cp" --arg cp "$2" || return
    check "run --detach" "$RTB" $mgr run --detach --bundle "$b" "$id" || { "$RTB" delete --force "$id" > /dev/null 2>&1; return; }
    expect "state: running" running "$(state_status "$id")"
    pid=$("$RTB" state "$id" 2>/dev/null | jq -r .pid)
    cg=$(cgroup_of "$pid")
    expect "the container's cgroup is where the manager puts it" "$want" "$cg"
    if [ -n "$scope" ]; then
        expect "systemd: the transient scope is active" active "$(unit_prop "$scope" ActiveState)"
        expect "systemd: the scope's control group" "${want%/container}" "$(unit_prop "$scope" ControlGroup)"
    fi
    expect "memory.max read back from the host" 67108864 "$(cg_file "$cg" memory.max)"
    expect "pids.max read back from the host" 64 "$(cg_file "$cg" pids.max)"
    expect "cpu.max read back from the host" "50000 100000" "$(cg_file "$cg" cpu.max)"
    check "update --memory --pids-limit --cpu-quota" "$RTB" update --memory 134217728 --pids-limit 100 --cpu-quota 20000 "$id"
    expect "update: memory.max" 134217728 "$(cg_file "$cg" memory.max)"
    expect "update: pids.max" 100 "$(cg_file "$cg" pids.max)"
    expect "update: cpu.max" "20000 100000" "$(cg_file "$cg" cpu.max)"
    echo '{"memory": {"limit": 100663296}}' > "$work/res.json"
    check "update --resources FILE" "$RTB" update --resources "$work/res.json" "$id"
    expect "update --resources: memory.max" 100663296 "$(cg_file "$cg" memory.max)"
    check "pause" "$RTB" pause "$id"
    expect "pause: state paused" paused "$(state_status "$id")"
    expect "pause: list says paused" paused "$(list_status "$id")"
    expect "pause: the cgroup is frozen (cgroup.events)" 1 "$(frozen "$cg")"
    check "resume" "$RTB" resume "$id"
    expect "resume: state running" running "$(state_status "$id")"
    expect "resume: list says running" running "$(list_status "$id")"
    expect "resume: the cgroup is thawed" 0 "$(frozen "$cg")"
    out=$(run "$RTB" exec "$id" sh -c 'cat /proc/self/cgroup; cat /proc/1/cgroup')
    expect "exec joins the container's cgroup" 1 "$(printf '%s\n' "$out" | sort -u | wc -l)"
    run "$RTB" exec "$id" sh -c 'exit 7' > /dev/null
    expect "exec propagates the exit code (7)" 7 "$?"
    expect "exec --user 65534:65534" "65534:65534" "$(run "$RTB" exec --user 65534:65534 "$id" sh -c 'echo $(id -u):$(id -g)')"
    # An absolute path: crun's --env replaces the environment (PATH too), runc's adds to it.
    expect "exec --env" bar "$(run "$RTB" exec --env FOO=bar "$id" /bin/sh -c 'echo $FOO')"
    expect "exec --cwd" /tmp "$(run "$RTB" exec --cwd /tmp "$id" pwd)"
    out=$(run "$RTB" ps --format json "$id")
    expect_in "ps --format json lists the init pid" "$pid" "$out"
    check "kill KILL" "$RTB" kill "$id" KILL
    if wait_stopped "$id"; then ok "state: stopped after kill"; else bad "state: stopped after kill" "$(state_status "$id")"; fi
    check "delete" "$RTB" delete "$id"
    if "$RTB" state "$id" > /dev/null 2>&1; then bad "state fails after delete"; else ok "state fails after delete"; fi
    if [ -n "$cg" ] && [ -e "/sys/fs/cgroup$cg" ]; then bad "the container's cgroup is removed" "/sys/fs/cgroup$cg exists"
    else ok "the container's cgroup is removed"; fi
    if [ -n "$scope" ]; then
        expect "systemd: the scope is gone after delete" inactive "$(unit_prop "$scope" ActiveState)"
    fi
    "$RTB" delete --force "$id" > /dev/null 2>&1
}

sc_direct_cgroupfs() {
    lifecycle "vm-fs-$RT" "/e2e-direct/vm-fs-$RT" "/e2e-direct/vm-fs-$RT" ""
    rmdir /sys/fs/cgroup/e2e-direct 2> /dev/null
}

# With the systemd manager libcrun puts the container's processes into a
# `container` sub-cgroup of the transient scope (systemd owns the scope itself).
sc_direct_systemd() {
    lifecycle "vm-sd-$RT" "system.slice:e2e:vm-sd-$RT" "/system.slice/e2e-vm-sd-$RT.scope/container" --systemd-cgroup \
        "e2e-vm-sd-$RT.scope"
}

sc_oom() {
    local id=vm-oom-$RT b=$work/b-vm-oom-$RT rc
    bundle "$b" "$id" '.process.terminal = false
        | .process.args = ["dd", "if=/dev/zero", "of=/big/fill", "bs=1M", "count=96"]
        | .mounts += [{destination: "/big", type: "tmpfs", source: "tmpfs", options: ["size=256m"]}]
        | .linux.resources.memory = {limit: 33554432, swap: 33554432}
        | .linux.cgroupsPath = "/e2e-oom/" + $id' || return
    timeout 300 "$RTB" run --bundle "$b" "$id" < /dev/null > "$work/out" 2>&1
    rc=$?
    expect "a tmpfs write over memory.max gets the container OOM-killed (run exits 137)" 137 "$rc"
    out=$(dmesg | grep "oom_memcg=/e2e-oom/$id,")
    expect_in "the kernel logged the kill in the container's memory cgroup" "task=dd" "$out"
    if "$RTB" state "$id" > /dev/null 2>&1; then bad "no state left after the foreground run"
    else ok "no state left after the foreground run"; fi
    if [ -e "/sys/fs/cgroup/e2e-oom/$id" ]; then bad "no cgroup left after the OOM kill"; else ok "no cgroup left after the OOM kill"; fi
    "$RTB" delete --force "$id" > /dev/null 2>&1
    rmdir /sys/fs/cgroup/e2e-oom 2> /dev/null
}

sc_features() {
    local out
    out=$(run "$RTB" features)
    if printf '%s' "$out" | jq -e . > /dev/null 2>&1; then ok "features prints a JSON document"
    else bad "features prints a JSON document" "$(printf '%s\n' "$out" | head -3)"; fi
    expect "features: linux.cgroup.v2" true "$(printf '%s' "$out" | jq -r .linux.cgroup.v2 2>&1)"
    expect "features: linux.cgroup.systemd" true "$(printf '%s' "$out" | jq -r .linux.cgroup.systemd 2>&1)"
    expect "features: linux.cgroup.systemdUser" true "$(printf '%s' "$out" | jq -r .linux.cgroup.systemdUser 2>&1)"
    expect "features: linux.apparmor.enabled" true "$(printf '%s' "$out" | jq -r .linux.apparmor.enabled 2>&1)"
}

# --- the runc behaviour real clients rely on, on a pure cgroup v2 host with
# AppArmor: exec flags, kill --all on a stopped PID-namespace joiner, mount
# options seen in mountinfo, and no host mounts left by a container without a
# mount namespace of its own ---------------------------------------------------
aa_profile=stockade-e2e
aa_setup() {
    [ -e /sys/kernel/security/apparmor/profiles ] || return 1
    grep -q "^$aa_profile " /sys/kernel/security/apparmor/profiles && return 0
    printf 'profile %s flags=(attach_disconnected,mediate_deleted) {\n  file,\n  capability,\n  network,\n  signal,\n  ptrace,\n  unix,\n}\n' \
        "$aa_profile" > "$work/aa-profile"
    apparmor_parser -r "$work/aa-profile" > /dev/null 2>&1
}

sc_exec_flags() {
    local id=vm-exec-$RT b=$work/b-vm-exec-$RT cg out
    bundle "$b" "$id" '.process.terminal = false | .process.noNewPrivileges = false
        | .process.args = ["sleep", "1000"] | .linux.cgroupsPath = "/e2e-exec/" + $id' || return
    check "run --detach" "$RTB" run --detach --bundle "$b" "$id" || { "$RTB" delete --force "$id" > /dev/null 2>&1; return; }
    cg=$(cgroup_of "$("$RTB" state "$id" 2>/dev/null | jq -r .pid)")
    if aa_setup; then
        out=$(run "$RTB" exec --apparmor "$aa_profile" "$id" cat /proc/self/attr/current)
        expect "exec --apparmor: the process runs under the profile" "$aa_profile (enforce)" "$out"
    else
        bad "exec --apparmor: AppArmor is enabled in the guest" "$(ls /sys/kernel/security 2>&1)"
    fi
    out=$(run "$RTB" exec --additional-gids 10 --additional-gids 20 "$id" id -G)
    expect_in "exec --additional-gids 10 --additional-gids 20" "10 20" "$out"
    expect "exec --no-new-privs" "NoNewPrivs:	1" "$(run "$RTB" exec --no-new-privs "$id" grep NoNewPrivs /proc/self/status)"
    mkdir -p "/sys/fs/cgroup$cg/sub"
    # Seen from the host: inside, the container's cgroup namespace shows `/sub`.
    local arg
    for arg in sub memory,pids:sub; do
        rm -f "$work/exec.pid"
        run "$RTB" exec --detach --pid-file "$work/exec.pid" --cgroup "$arg" "$id" sleep 30 > /dev/null
        expect "exec --cgroup $arg: the process is in the container's sub-cgroup" "$cg/sub" \
            "$(cgroup_of "$(cat "$work/exec.pid" 2>/dev/null)")"
    done
    check "pause" "$RTB" pause "$id"
    out=$(run "$RTB" exec "$id" true)
    expect_in "exec into a paused container is refused without --ignore-paused" "paused" "$out"
    timeout 60 "$RTB" exec --ignore-paused "$id" sh -c 'exit 4' < /dev/null > /dev/null 2>&1 &
    local ex=$!
    sleep 1
    check "resume" "$RTB" resume "$id"
    wait "$ex"
    expect "exec --ignore-paused runs once the container resumes (exit 4)" 4 "$?"
    "$RTB" delete --force "$id" > /dev/null 2>&1
    rmdir "/sys/fs/cgroup$cg/sub" "/sys/fs/cgroup$cg" /sys/fs/cgroup/e2e-exec 2> /dev/null
}

sc_kill_all_joiner() {
    local owner=vm-own-$RT joiner=vm-join-$RT b=$work/b-vm-own-$RT opid cg
    bundle "$b" "$owner" '.process.terminal = false | .process.args = ["sleep", "1000"]
        | .linux.cgroupsPath = "/e2e-kill/" + $id' || return
    check "run --detach (PID namespace owner)" "$RTB" run --detach --bundle "$b" "$owner" || return
    opid=$("$RTB" state "$owner" | jq -r .pid)
    bundle "$b" "$joiner" '.process.terminal = false | .process.args = ["sh", "-c", "sleep 1000 & exit 0"]
        | .linux.cgroupsPath = "/e2e-kill/" + $id
        | .linux.namespaces |= map(if .type == "pid" then .path = $ns else . end)' --arg ns "/proc/$opid/ns/pid" || return
    check "run --detach (joiner: sleep 1000 & exit)" "$RTB" run --detach --bundle "$b" "$joiner"
    if wait_stopped "$joiner"; then ok "the joiner's init exits: stopped"; else bad "the joiner's init exits: stopped"; fi
    check "kill --all on the stopped joiner" "$RTB" kill --all "$joiner" KILL
    wait_for 10 sh -c "[ -z \"\$(cat /sys/fs/cgroup/e2e-kill/$joiner/cgroup.procs 2>/dev/null)\" ]"
    expect "nothing left in the joiner's cgroup" "" "$(cat "/sys/fs/cgroup/e2e-kill/$joiner/cgroup.procs" 2>/dev/null)"
    "$RTB" delete --force "$joiner" > /dev/null 2>&1
    "$RTB" delete --force "$owner" > /dev/null 2>&1
    rmdir /sys/fs/cgroup/e2e-kill 2> /dev/null
}

sc_mounts() {
    local id=vm-mnt-$RT b=$work/b-vm-mnt-$RT out
    mkdir -p "$work/msrc-$RT/sub"
    mountpoint -q "$work/msrc-$RT/sub" || mount -t tmpfs tmpfs "$work/msrc-$RT/sub"
    bundle "$b" "$id" '.process.terminal = false
        | .process.args = ["sh", "-c", "grep \" /opt/\" /proc/self/mountinfo | cut -d\" \" -f5,6"]
        | .mounts += [
            {destination: "/opt/t", type: "tmpfs", source: "tmpfs", options: ["nosymfollow", "ro", "rw"]},
            {destination: "/opt/r", type: "bind", source: $src, options: ["rbind", "rnoatime", "rro"]}]' \
        --arg src "$work/msrc-$RT" || return
    out=$(run "$RTB" run --bundle "$b" "$id")
    expect_in "nosymfollow is applied, and rw after ro clears it (mountinfo)" "/opt/t rw,relatime,nosymfollow" "$out"
    expect_in "rnoatime + rro reach the submount (mountinfo)" "/opt/r/sub ro,noatime" "$out"
    "$RTB" delete --force "$id" > /dev/null 2>&1
    umount "$work/msrc-$RT/sub" 2> /dev/null

    id=vm-nomnt-$RT
    bundle "$b" "$id" '.process.terminal = false | .process.args = ["sleep", "1000"]
        | .linux.namespaces |= map(select(.type != "mount"))' || return
    check "run --detach without a mount namespace" "$RTB" run --detach --bundle "$b" "$id"
    check "delete --force" "$RTB" delete --force "$id"
    expect "no mounts left under the rootfs in the host's namespace" "" "$(grep -c " $b/rootfs/" /proc/self/mountinfo | grep -v '^0$')"
    grep -o " $b/rootfs/[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m"; done
}

# --- podman (rootful): the runtime by name; stockade is registered by the
# package's containers.conf drop-in, crun is podman's own default -----------------
p() { timeout 300 podman --runtime "$RT" "$@" < /dev/null 2>&1; }
waiter='trap "exit 3" TERM; sleep 1000 & wait'

# Detached podman container checks shared by both cgroup managers.
podman_lifecycle() { # NAME WANT-CGROUP-TEXT [podman global flags...]
    local name=$1 want=$2 cid pid cg out
    shift 2
    cid=$(p "$@" run -d --name "$name" --network none --memory 64m "$img" sh -c "$waiter")
    expect "run -d prints the container id" 64 "${#cid}"
    pid=$(p "$@" inspect -f '{{.State.Pid}}' "$name")
    cg=$(cgroup_of "$pid")
    expect_in "the container's cgroup ($want)" "${want//CID/$cid}" "$cg"
    expect "memory.max read back from the host" 67108864 "$(cg_file "$cg" memory.max)"
    expect "exec" inside "$(p "$@" exec "$name" echo inside)"
    p "$@" exec "$name" sh -c 'exit 7' > /dev/null
    expect "exec propagates the exit code (7)" 7 "$?"
    check "pause" podman --runtime "$RT" "$@" pause "$name"
    expect "inspect: paused" paused "$(p "$@" inspect -f '{{.State.Status}}' "$name")"
    expect "pause: the cgroup is frozen" 1 "$(frozen "$cg")"
    check "unpause" podman --runtime "$RT" "$@" unpause "$name"
    expect "unpause: the cgroup is thawed" 0 "$(frozen "$cg")"
    check "update --memory 128m" podman --runtime "$RT" "$@" update --memory 128m "$name"
    expect "update: memory.max read back from the host" 134217728 "$(cg_file "$cg" memory.max)"
    check "stop (TERM reaches the container)" podman --runtime "$RT" "$@" stop -t 20 "$name"
    expect "stopped by TERM, exit code from the trap" "exited 3" "$(p "$@" inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$name")"
    check "rm" podman --runtime "$RT" "$@" rm "$name"
    if [ -n "$cg" ] && [ -e "/sys/fs/cgroup$cg" ]; then bad "the container's cgroup is removed" "/sys/fs/cgroup$cg exists"
    else ok "the container's cgroup is removed"; fi
    p "$@" rm -f -t 0 "$name" > /dev/null
    echo "$cid" > "$work/last-cid"
}

sc_podman_systemd() {
    local cid
    expect "podman info: systemd manager, cgroup v2" "systemd v2" "$(p info --format '{{.Host.CgroupManager}} {{.Host.CgroupsVersion}}')"
    expect "run --rm prints the output" hello "$(p run --rm --network none "$img" echo hello)"
    p run --rm --network none "$img" sh -c 'exit 42' > /dev/null
    expect "run propagates the exit code (42)" 42 "$?"
    expect "--memory 64m --pids-limit 50 inside the container" "$(printf '67108864\n50')" \
        "$(p run --rm --network none --memory 64m --pids-limit 50 "$img" cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max)"
    podman_lifecycle "pd-sd-$RT" "/machine.slice/libpod-CID.scope"
    cid=$(cat "$work/last-cid" 2>/dev/null)
    expect "systemd: libpod-<id>.scope is gone after rm" inactive "$(unit_prop "libpod-$cid.scope" ActiveState)"
}

sc_podman_cgroupfs() {
    expect "podman info: cgroupfs manager" cgroupfs "$(p --cgroup-manager cgroupfs info --format '{{.Host.CgroupManager}}')"
    expect "--memory 64m inside the container" 67108864 \
        "$(p --cgroup-manager cgroupfs run --rm --network none --memory 64m "$img" cat /sys/fs/cgroup/memory.max)"
    podman_lifecycle "pd-fs-$RT" "/libpod_parent/libpod-CID" --cgroup-manager cgroupfs
}

sc_podman_device() {
    local blk=/dev/vdb chr=/dev/rtc0
    expect "--device $blk (block): node type and numbers, data readable" \
        "$(stat -c '%F %t:%T' $blk) STOCKADE-VM-DISK" \
        "$(p run --rm --network none --device $blk "$img" sh -c "echo \$(stat -c '%F %t:%T' $blk) \$(head -c 16 $blk)")"
    expect "--device $chr (char): node type and numbers, ioctl works (hwclock -r)" \
        "$(stat -c '%F %t:%T' $chr) rtc-read" \
        "$(p run --rm --network none --device $chr "$img" sh -c "echo \$(stat -c '%F %t:%T' $chr) \$(hwclock -r -f $chr > /dev/null && echo rtc-read)")"
    expect "--device $blk:/dev/xvda:r: readable, writes refused by the device filter" "STOCKADE-VM-DISK write-refused" \
        "$(p run --rm --network none --device $blk:/dev/xvda:r "$img" sh -c 'echo $(head -c 16 /dev/xvda) $(echo x 2>/dev/null > /dev/xvda && echo written || echo write-refused)')"
    expect "without --device the disk is absent" absent \
        "$(p run --rm --network none "$img" sh -c "test -e $blk && echo present || echo absent")"
}

sc_podman_nocgroups() {
    local cid pid conmon
    expect "--cgroups=disabled: run prints the output" hello "$(p run --rm --network none --cgroups=disabled "$img" echo hello)"
    cid=$(p run -d --network none --cgroups=disabled --name pd-nocg-$RT "$img" sleep 1000)
    pid=$(p inspect -f '{{.State.Pid}}' "pd-nocg-$RT")
    conmon=$(p inspect -f '{{.State.ConmonPid}}' "pd-nocg-$RT")
    expect "--cgroups=disabled: the container stays in conmon's cgroup" "$(cgroup_of "$conmon")" "$(cgroup_of "$pid")"
    expect_not_in "--cgroups=disabled: no libpod-<id> cgroup of its own" "libpod-$cid" "$(cgroup_of "$pid")"
    check "--cgroups=disabled: rm -f" podman --runtime "$RT" rm -f -t 0 "pd-nocg-$RT"
}

# A real systemd as the container's init: the guest's /usr (read-only) under a
# minimal /etc.  podman --systemd=always gives it tmpfs /run and /tmp, a
# writable cgroup and SIGRTMIN+3 as the stop signal.
sdroot_setup() {
    local r=$work/sdroot l
    mkdir -p "$r/etc" "$r/usr" "$r/proc" "$r/sys" "$r/dev" "$r/run" "$r/tmp" "$r/var/log" "$r/root"
    for l in bin sbin lib lib64; do ln -sfn "usr/$l" "$r/$l"; done
    : > "$r/etc/machine-id"
    cp /etc/os-release "$r/etc/"
    printf 'root:x:0:0:root:/root:/bin/sh\n' > "$r/etc/passwd"
    printf 'root:x:0:\n' > "$r/etc/group"
}

sc_podman_systemd_always() {
    local out name=pd-sdi-$RT
    out=$(p run --rm --network none --systemd=always "$img" sh -c \
        'echo container=$container; awk "\$2 == \"/run\" || \$2 == \"/tmp\" || \$2 == \"/sys/fs/cgroup\" {split(\$4, o, \",\"); print \$2, \$3, o[1]}" /proc/mounts | sort')
    expect "--systemd=always: container=podman, tmpfs /run and /tmp, cgroup2 read-write" \
        "$(printf 'container=podman\n/run tmpfs rw\n/sys/fs/cgroup cgroup2 rw\n/tmp tmpfs rw')" "$out"
    [ -d "$work/sdroot" ] || sdroot_setup
    check "--systemd=always: run -d systemd as the container's init" podman --runtime "$RT" run -d --name "$name" \
        --network none --systemd=always -v /usr:/usr:ro --rootfs "$work/sdroot" /usr/lib/systemd/systemd
    # systemctl needs systemd's private socket, which appears a little after start.
    wait_for 120 podman exec "$name" test -S /run/systemd/private
    out=$(p exec "$name" timeout 120 systemctl is-system-running --wait)
    expect "--systemd=always: systemd in the container boots (is-system-running)" running "$out"
    [ "$out" = running ] || p exec "$name" systemctl list-units --failed --no-pager --plain | head -10
    check "--systemd=always: podman stop (SIGRTMIN+3 shuts systemd down)" podman --runtime "$RT" stop -t 60 "$name"
    expect "--systemd=always: systemd exited cleanly" "exited 0" "$(p inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$name")"
    p rm -f -t 0 "$name" > /dev/null
}

# --- rootless podman: a user with a lingering systemd user manager, so podman
# uses its default systemd cgroup manager through the user's D-Bus --------------
rl_user=e2e-rootless
rootless_setup() {
    useradd -m -s /bin/bash "$rl_user" || return 1
    grep -q "^$rl_user:" /etc/subuid || usermod --add-subuids 200000-265535 --add-subgids 200000-265535 "$rl_user"
    rl_uid=$(id -u "$rl_user")
    loginctl enable-linger "$rl_user"
    wait_for 60 test -S "/run/user/$rl_uid/bus" || { bad "rootless: the user's systemd manager and D-Bus are up"; return 1; }
    check "rootless: import the busybox image" rpodman import -q "$work/rootfs.tar" "$img" || return 1
    rl_ready=yes
}
# podman as the rootless user, in its login environment
rpodman() {
    timeout 300 runuser -u "$rl_user" -- env -i HOME="/home/$rl_user" USER="$rl_user" LOGNAME="$rl_user" \
        XDG_RUNTIME_DIR="/run/user/$rl_uid" DBUS_SESSION_BUS_ADDRESS="unix:path=/run/user/$rl_uid/bus" \
        PATH=/usr/sbin:/usr/bin:/sbin:/bin podman "$@" < /dev/null 2>&1
}
rp() { rpodman --runtime "$RT" "$@"; }

sc_podman_rootless() {
    local name=rl-$RT cid pid cg
    if [ "${rl_ready:-}" != yes ]; then bad "rootless: a user with a systemd user manager (setup failed)"; return; fi
    expect "rootless: podman info: systemd manager, rootless" "systemd true" \
        "$(rp info --format '{{.Host.CgroupManager}} {{.Host.Security.Rootless}}')"
    expect "rootless: run --rm prints the output" rootless-hello "$(rp run --rm --network none "$img" echo rootless-hello)"
    expect "rootless: root in the container is the user outside (uid_map)" "0 $rl_uid 1" \
        "$(rp run --rm --network none "$img" sh -c 'head -1 /proc/self/uid_map | tr -s " " | sed "s/^ //"')"
    expect "rootless: --user 65534 (subordinate ids mapped)" 65534 "$(rp run --rm --network none --user 65534 "$img" id -u)"
    expect "rootless: --memory 64m (memory delegated to the user)" 67108864 \
        "$(rp run --rm --network none --memory 64m "$img" cat /sys/fs/cgroup/memory.max)"
    cid=$(rp run -d --network none --name "$name" "$img" sh -c "$waiter")
    expect "rootless: run -d prints the container id" 64 "${#cid}"
    pid=$(rp inspect -f '{{.State.Pid}}' "$name")
    cg=$(cgroup_of "$pid")
    expect_in "rootless: the container's scope is under the user's manager" \
        "/user.slice/user-$rl_uid.slice/user@$rl_uid.service/user.slice/libpod-$cid.scope" "$cg"
    expect "rootless: exec" inside "$(rp exec "$name" echo inside)"
    expect "rootless: stop (TERM reaches the container)" "$name" "$(rp stop -t 20 "$name")"
    expect "rootless: exit code from the trap" 3 "$(rp inspect -f '{{.State.ExitCode}}' "$name")"
    expect "rootless: rm" "$name" "$(rp rm "$name")"
    if [ -n "$cg" ] && [ -e "/sys/fs/cgroup$cg" ]; then bad "rootless: the container's cgroup is removed"
    else ok "rootless: the container's cgroup is removed"; fi
    rp rm -f -t 0 "$name" > /dev/null
}

# --- quadlet: a .container unit run by systemd (podman >= 4.4; Debian 13) ------
sc_quadlet() {
    local unit=e2e-q-$RT pid cg
    if [ ! -x /usr/libexec/podman/quadlet ]; then
        if [ "$codename" = bookworm ]; then note "quadlet: not in $(podman --version) (Debian 12): not run"
        else bad "quadlet: /usr/libexec/podman/quadlet is missing"; fi
        return
    fi
    mkdir -p /etc/containers/systemd
    cat > "/etc/containers/systemd/$unit.container" <<UNIT
[Unit]
Description=stockade e2e quadlet unit ($RT)

[Container]
Image=$img
Exec=sh -c 'trap "exit 0" TERM; sleep 1000 & wait'
Network=none
PodmanArgs=--memory 64m
GlobalArgs=--runtime=$RT

[Service]
TimeoutStartSec=300
UNIT
    check "quadlet: systemctl daemon-reload runs the generator" systemctl daemon-reload
    expect "quadlet: the generated service is loaded" loaded "$(unit_prop "$unit.service" LoadState)"
    check "quadlet: systemctl start" systemctl start "$unit.service"
    expect "quadlet: the service is active" active "$(unit_prop "$unit.service" ActiveState)"
    expect "quadlet: the container runs with the runtime" "$RT" \
        "$(podman inspect -f '{{.OCIRuntime}}' "systemd-$unit" 2>&1)"
    pid=$(podman inspect -f '{{.State.Pid}}' "systemd-$unit" 2>/dev/null)
    cg=$(cgroup_of "$pid")
    expect_in "quadlet: the container's cgroup is inside the service's" "/system.slice/$unit.service/" "$cg"
    expect "quadlet: memory.max read back from the host" 67108864 "$(cg_file "$cg" memory.max)"
    check "quadlet: systemctl stop" systemctl stop "$unit.service"
    expect "quadlet: the service is inactive" inactive "$(unit_prop "$unit.service" ActiveState)"
    expect "quadlet: the container is removed" "" "$(podman ps -aq --filter "name=systemd-$unit" 2>&1)"
    rm -f "/etc/containers/systemd/$unit.container"
    systemctl daemon-reload
    podman rm -f -t 0 "systemd-$unit" > /dev/null 2>&1
}

# --- containerd: ctr through the io.containerd.runc.v2 shim with the runtime
# as its runc binary, cgroupfs and --runc-systemd-cgroup -----------------------------
c() { timeout 300 ctr -n e2e "$@" < /dev/null 2>&1; }
task_status() { c task ls | awk -v id="$1" '$1 == id { print $3 }'; }
# ctr_opts ID: the runtime options for one container (MODE set by the caller)
ctr_opts() {
    opts=(--runtime io.containerd.runc.v2 --runc-binary "$RTB")
    [ "$MODE" = systemd ] && opts+=(--runc-systemd-cgroup --cgroup "system.slice:ctr-e2e:$1")
    return 0
}
ctr_lifecycle() { # ID WANT-CGROUP [SCOPE]
    local id=$1 want=$2 scope=${3:-} pid cg
    ctr_opts "$id-r"
    expect "ctr run --rm prints the output" hello "$(c run --rm "${opts[@]}" "$ctr_img" "$id-r" echo hello)"
    ctr_opts "$id-x"
    c run --rm "${opts[@]}" "$ctr_img" "$id-x" sh -c 'exit 42' > /dev/null
    expect "ctr run propagates the exit code (42)" 42 "$?"
    ctr_opts "$id"
    check "ctr run -d --memory-limit 64 MiB" ctr -n e2e run -d "${opts[@]}" --memory-limit 67108864 "$ctr_img" "$id" sh -c "$waiter"
    expect "task is RUNNING" RUNNING "$(task_status "$id")"
    pid=$(c task ls | awk -v id="$id" '$1 == id { print $2 }')
    cg=$(cgroup_of "$pid")
    expect "the container's cgroup is where the manager puts it" "$want" "$cg"
    [ -n "$scope" ] && expect "systemd: the transient scope is active" active "$(unit_prop "$scope" ActiveState)"
    expect "memory.max read back from the host" 67108864 "$(cg_file "$cg" memory.max)"
    expect "ctr task exec" inside "$(c task exec --exec-id x1 "$id" echo inside)"
    c task exec --exec-id x2 "$id" sh -c 'exit 9' > /dev/null
    expect "ctr task exec propagates the exit code (9)" 9 "$?"
    check "ctr task pause" ctr -n e2e task pause "$id"
    expect "task is PAUSED" PAUSED "$(task_status "$id")"
    expect "pause: the cgroup is frozen" 1 "$(frozen "$cg")"
    check "ctr task resume" ctr -n e2e task resume "$id"
    expect "task is RUNNING again" RUNNING "$(task_status "$id")"
    check "ctr task kill (TERM)" ctr -n e2e task kill -s TERM "$id"
    if wait_for 20 sh -c "ctr -n e2e task ls | grep -q '^$id .* STOPPED'"; then ok "task is STOPPED after TERM"
    else bad "task is STOPPED after TERM" "$(task_status "$id")"; fi
    check "ctr task delete" ctr -n e2e task delete "$id"
    check "ctr container rm" ctr -n e2e container rm "$id"
    if [ -n "$cg" ] && [ -e "/sys/fs/cgroup$cg" ]; then bad "the container's cgroup is removed" "/sys/fs/cgroup$cg exists"
    else ok "the container's cgroup is removed"; fi
    [ -n "$scope" ] && expect "systemd: the scope is gone after delete" inactive "$(unit_prop "$scope" ActiveState)"
    c task delete -f "$id" > /dev/null
    c container rm "$id" "$id-r" "$id-x" > /dev/null
}

sc_ctr_cgroupfs() { MODE=cgroupfs ctr_lifecycle "ctr-fs-$RT" "/e2e/ctr-fs-$RT"; }
sc_ctr_systemd() {
    MODE=systemd ctr_lifecycle "ctr-sd-$RT" "/system.slice/ctr-e2e-ctr-sd-$RT.scope/container" "ctr-e2e-ctr-sd-$RT.scope"
}

# --- main -------------------------------------------------------------------------
t_start=$SECONDS
echo "== guest $codename up $(cut -d' ' -f1 /proc/uptime) s"
setup
rootless_setup
scenario features sc_features
scenario direct-cgroupfs sc_direct_cgroupfs
scenario direct-systemd sc_direct_systemd
scenario oom sc_oom
scenario exec-flags sc_exec_flags
scenario kill-all-joiner sc_kill_all_joiner
scenario mount-options sc_mounts
scenario podman-systemd sc_podman_systemd
scenario podman-cgroupfs sc_podman_cgroupfs
scenario podman-rootless sc_podman_rootless
scenario podman-device sc_podman_device
scenario podman-cgroups-disabled sc_podman_nocgroups
scenario podman-systemd-always sc_podman_systemd_always
scenario quadlet sc_quadlet
scenario ctr-cgroupfs sc_ctr_cgroupfs
scenario ctr-systemd sc_ctr_systemd
echo "== scenarios took $((SECONDS - t_start)) s"
echo finished > "$share/done"
exec > /dev/null 2>&1
wait "$tee_pid"
sync
