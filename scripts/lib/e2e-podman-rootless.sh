# Rootless podman through stockade; sourced by scripts/e2e-podman (uses its
# helpers and $d, $bin, $img).  Needs user namespaces for an unprivileged user
# and setuid newuidmap/newgidmap; when the host lacks them this says so loudly
# and counts nothing as passed.  A temporary user (stockade-e2e) with a
# subordinate id range is created and removed again, with its processes.

rl_user=stockade-e2e
rl=$d/rootless
rl_made_user=no

rootless_cleanup() {
    if id "$rl_user" >/dev/null 2>&1; then
        # podman leaves a rootless pause process behind; end the test user's
        # processes (all started by this script) by pid.
        local pids
        pids=$(pgrep -u "$rl_user" 2>/dev/null | tr '\n' ' ')
        [ -n "$pids" ] && kill -9 $pids 2>/dev/null
        if [ "$rl_made_user" = yes ]; then
            sleep 0.2
            userdel "$rl_user" >/dev/null 2>&1
            # userdel drops the subordinate ranges too; make sure of it
            sed -i "/^$rl_user:/d" /etc/subuid /etc/subgid 2>/dev/null
        fi
    fi
}

rootless_run() {
    if ! runuser -u nobody -- unshare -U true 2>/dev/null; then
        rootless_note="ROOTLESS PODMAN NOT TESTED: an unprivileged user cannot create a user namespace here (unshare -U failed)"
        return
    fi
    if ! [ -u /usr/bin/newuidmap ] || ! [ -u /usr/bin/newgidmap ]; then
        rootless_note="ROOTLESS PODMAN NOT TESTED: newuidmap/newgidmap missing or not setuid"
        return
    fi
    if id "$rl_user" >/dev/null 2>&1; then
        rootless_note="ROOTLESS PODMAN NOT TESTED: user $rl_user already exists (a leftover?); remove it with userdel"
        return
    fi
    # A free subordinate range above every range already given out.
    local base uid home
    base=$(awk -F: 'BEGIN { m = 100000 } { e = $2 + $3; if (e > m) m = e } END { print m }' /etc/subuid /etc/subgid 2>/dev/null)
    mkdir -p "$rl/home" "$rl/run" "$rl/bin"
    useradd -M -d "$rl/home" -s /bin/sh "$rl_user" || { bad "rootless: create test user"; return; }
    rl_made_user=yes
    usermod --add-subuids "$base-$((base + 65535))" --add-subgids "$base-$((base + 65535))" "$rl_user"
    uid=$(id -u "$rl_user")
    home=$rl/home
    cp "$bin" "$rl/bin/stockade"
    cp "$d/rootfs.tar" "$rl/rootfs.tar"
    cat > "$rl/containers.conf" <<EOF
[containers]
netns = "none"
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "stockade"
runtime_supports_json = ["crun", "runc", "kata", "runsc", "youki", "krun", "ocijail", "stockade"]
runtime_supports_nocgroup = ["crun", "krun", "stockade"]

[engine.runtimes]
stockade = ["$rl/bin/stockade"]
EOF
    cat > "$rl/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$home/storage"
runroot = "$rl/run/containers"
EOF
    chown -R "$rl_user:" "$rl"
    chmod 700 "$rl/run" "$home"

    rp() { (cd "$rl" && runuser -u "$rl_user" -- env -i HOME="$home" USER="$rl_user" XDG_RUNTIME_DIR="$rl/run" \
            PATH=/usr/sbin:/usr/bin:/sbin:/bin CONTAINERS_CONF="$rl/containers.conf" \
            CONTAINERS_STORAGE_CONF="$rl/storage.conf" \
            podman --cgroup-manager cgroupfs --events-backend file --runtime stockade "$@"); }

    echo "rootless podman as $rl_user (uid $uid, subuids $base-$((base + 65535)))"
    check "rootless: import the image" rp import -q "$rl/rootfs.tar" "$img"
    local out
    out=$(rp run --rm "$img" echo rootless-hello 2>&1)
    expect "rootless: run --rm prints the output" rootless-hello "$out"
    rp run --rm "$img" sh -c 'exit 42' >/dev/null 2>&1
    expect "rootless: exit code (42)" 42 "$?"
    out=$(rp run --rm "$img" sh -c 'echo $(id -u) $(cat /proc/self/uid_map | tr -s " " | head -1)' 2>&1)
    expect "rootless: root in the container is the user outside (uid_map)" "0 0 $uid 1" "$out"
    out=$(rp run --rm --user 65534:65534 "$img" id -u 2>&1)
    expect "rootless: --user 65534 (subordinate ids mapped)" 65534 "$out"
    rp run -d --name rl-c1 "$img" sh -c 'trap "exit 3" TERM; while :; do sleep 0.1; done' >/dev/null 2>&1
    out=$(rp exec rl-c1 echo inside 2>&1)
    expect "rootless: run -d + exec" inside "$out"
    out=$(ls "$rl/run/stockade" 2>&1)
    expect_in "rootless: stockade keeps state in \$XDG_RUNTIME_DIR/stockade" "$(rp inspect -f '{{.ID}}' rl-c1 2>/dev/null)" "$out"
    check "rootless: stop" rp stop -t 10 rl-c1
    out=$(rp inspect -f '{{.State.ExitCode}}' rl-c1 2>&1)
    expect "rootless: stopped by TERM (exit 3)" 3 "$out"
    check "rootless: rm" rp rm rl-c1
    rp rmi -af >/dev/null 2>&1
}

rootless_run
rootless_cleanup
