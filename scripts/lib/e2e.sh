# Shared helpers for the end-to-end scripts (sourced, not run).
# Each check prints one line; `e2e_summary NAME` prints the count line
# ("NAME-e2e: N passed, M failed", one word and a colon
# before the counts, the plain closing-line shape CI reads) and returns non-zero on any failure.

e2e_pass=0
e2e_fail=0
e2e_failed=()

ok() { e2e_pass=$((e2e_pass + 1)); echo "  ok    $1"; }
bad() {
    e2e_fail=$((e2e_fail + 1)); e2e_failed+=("$1")
    echo "  FAIL  $1"
    shift
    [ $# -gt 0 ] && printf '        %s\n' "$@" | head -20
    return 0
}

# check NAME COMMAND...: passes when COMMAND exits 0; output shown on failure.
check() {
    local name=$1 out; shift
    if out=$("$@" 2>&1); then ok "$name"; else bad "$name" "exit $?: $*" "$out"; fi
}

# expect NAME WANT GOT: passes when GOT equals WANT.
expect() {
    if [ "$3" = "$2" ]; then ok "$1"; else bad "$1" "want: $2" "got:  $3"; fi
}

# expect_in NAME NEEDLE HAYSTACK: passes when HAYSTACK contains NEEDLE.
expect_in() {
    case "$3" in *"$2"*) ok "$1" ;; *) bad "$1" "want text: $2" "got: $3" ;; esac
}

apt_install() { # installs the missing Debian packages among "$@", quietly
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    echo "installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

e2e_summary() {
    if [ "$e2e_fail" -gt 0 ]; then
        echo "$1-e2e failures: ${e2e_failed[*]}"
    fi
    echo "$1-e2e: $e2e_pass passed, $e2e_fail failed"
    [ "$e2e_fail" -eq 0 ]
}

debian_mirror() { # the first Debian archive URI in this machine's apt sources
    local f
    {
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
            [ -f "$f" ] && awk '$1 == "deb" { b = 0; for (i = 2; i <= NF; i++) {
                    if ($i ~ /^\[/) b = 1
                    if (!b) { print $i; break }
                    if ($i ~ /\]$/) b = 0 } }' "$f"
        done
        for f in /etc/apt/sources.list.d/*.sources; do
            [ -f "$f" ] && awk 'BEGIN { RS = ""; FS = "\n" }
                { u = ""; s = ""
                  for (i = 1; i <= NF; i++) {
                      if ($i ~ /^URIs:/) { u = $i; sub(/^URIs:[ \t]*/, "", u); sub(/[ \t].*/, "", u) }
                      if ($i ~ /^Suites:/) s = $i }
                  if (u != "" && s !~ /-security/) print u }' "$f"
        done
    } | grep -v -- '-security' | grep -E '/debian/?$' | head -1
}

# podman's cgroupfs manager makes libpod_parent/ (and libpod_parent/conmon/)
# in every hierarchy and never removes them (and see /var/lib/containers below).  Call podman_cgroups_before at
# the start and podman_cgroups_cleanup at the end: the directories are
# removed again (rmdir: only empty cgroups) if this run created them.
podman_cgroups_before() {
    podman_varlib_existed=no
    [ -e /var/lib/containers ] && podman_varlib_existed=yes
    podman_cgroups_existed=no
    compgen -G '/sys/fs/cgroup/*/libpod_parent' >/dev/null && podman_cgroups_existed=yes
    compgen -G '/sys/fs/cgroup/libpod_parent' >/dev/null && podman_cgroups_existed=yes
    return 0
}
podman_cgroups_cleanup() {
    # rootful podman also writes /var/lib/containers/cache/blob-info-cache-v1.boltdb
    # whatever --root says; remove it again when this run created it.
    if [ "${podman_varlib_existed:-yes}" = no ]; then
        rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb
        find /var/lib/containers -depth -type d -empty -delete 2>/dev/null
    fi
    [ "${podman_cgroups_existed:-yes}" = no ] || return 0
    find /sys/fs/cgroup -maxdepth 2 -name libpod_parent -type d 2>/dev/null | while read -r p; do
        find "$p" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    return 0
}
# Container cgroups (libpod-<id>) left under libpod_parent, one per line.
podman_container_cgroups() {
    find /sys/fs/cgroup -maxdepth 3 -path '*/libpod_parent/libpod-*' -type d 2>/dev/null
}
