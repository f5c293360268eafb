#!/usr/bin/env bash
# Fetch the pinned crun source from Debian's `crun` source package, verify it,
# unpack it and apply our patch series.
#
#   deps/crun/fetch.sh            # idempotent; prints the path of the patched tree
#
# The deb-src entries are derived from this machine's own apt sources (every
# Debian archive URI it already uses), pointed at the suite that carries the
# pinned version. Nothing is written to the system's apt configuration: a
# private apt state directory under deps/crun/.apt is used.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=/dev/null
. <(grep -E '^[A-Z0-9_]+=' "$here/VERSION")

work="$here/.apt"            # private apt state + downloads (git-ignored)
tree="$here/src"             # patched source tree (git-ignored)
stamp="$tree/.stockade-stamp"

die() { echo "deps/crun/fetch.sh: $*" >&2; exit 1; }

patch_digest() {
    (cd "$here/patches" && cat series $(grep -v '^#' series | grep .)) | sha256sum | cut -d' ' -f1
}
want_stamp="$ORIG_SHA256 $(patch_digest)"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ]; then
    echo "$tree"
    exit 0
fi

command -v apt-get >/dev/null || die "apt-get not found: this script needs a Debian-based host"

# --- derive deb-src lines from the machine's apt sources --------------------
debian_uris() {
    local f
    # one-line format
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk '$1=="deb" { u=""; for (i=2;i<=NF;i++) { if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; continue } u=$i; break }
                         if (u ~ /\/debian\/?$/) print u }' "$f"
    done
    # deb822 format: a stanza counts when it is a Debian archive (its URI ends
    # in /debian or it is signed by the Debian archive keyring) and not security.
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk 'BEGIN{RS=""; FS="\n"}
             { uris=""; suites=""; signed=""; types="";
               for (i=1;i<=NF;i++) {
                 if ($i ~ /^URIs:/)      { uris=$i; sub(/^URIs:[ \t]*/, "", uris) }
                 if ($i ~ /^Suites:/)    { suites=$i }
                 if ($i ~ /^Signed-By:/) { signed=$i }
                 if ($i ~ /^Types:/)     { types=$i }
               }
               if (types !~ /deb/ || suites ~ /-security/) next;
               n=split(uris, u, /[ \t]+/);
               for (j=1;j<=n;j++) if (u[j] ~ /\/debian\/?$/ || signed ~ /debian-archive-keyring/) print u[j] }' "$f"
    done
}

mapfile -t uris < <(debian_uris | sed 's:/*$::' | sort -u)
[ "${#uris[@]}" -gt 0 ] || die "no Debian archive found in /etc/apt/sources.list{,.d}; add one, then re-run"

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || die "missing $keyring: run 'apt-get install debian-archive-keyring'"

rm -rf "$work"
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/dl"
for u in "${uris[@]}"; do
    echo "deb-src [signed-by=$keyring] $u $DEBIAN_SUITE main"
done > "$work/sources.list"

apt_opts=(
    -o "Dir::Etc::SourceList=$work/sources.list"
    -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$work/lists"
    -o "Dir::Cache=$work/cache"
    -o "APT::Sandbox::User=root"
    -o "Debug::NoLocking=1"
)
echo "deps/crun: fetching crun $CRUN_VERSION source from $DEBIAN_SUITE (${uris[*]})" >&2
apt-get "${apt_opts[@]}" -qq update >&2 \
    || die "apt-get update of the private deb-src list failed (see above)"
debver=$(apt-cache "${apt_opts[@]}" showsrc crun | awk -v v="$CRUN_VERSION-" '$1=="Version:" && index($2, v)==1 {print $2; exit}')
[ -n "$debver" ] || die "no crun $CRUN_VERSION-* source in $DEBIAN_SUITE from ${uris[*]}"
# Only the upstream tarball is used (we apply our own patches, not Debian's), and
# it is verified against the pinned sha256 below, so a mirror that lacks the
# .dsc or the Debian delta is not an error as long as the tarball arrived.
(cd "$work/dl" && apt-get "${apt_opts[@]}" -qq source --download-only "crun=$debver") >&2 \
    || echo "deps/crun: apt-get source reported errors; checking for $ORIG_TARBALL" >&2

tarball="$work/dl/$ORIG_TARBALL"
[ -f "$tarball" ] || die "apt-get source crun=$debver did not deliver $ORIG_TARBALL from ${uris[*]}"
got=$(sha256sum "$tarball" | cut -d' ' -f1)
[ "$got" = "$ORIG_SHA256" ] || die "sha256 mismatch for $ORIG_TARBALL: got $got, pinned $ORIG_SHA256"

# --- unpack and patch ---------------------------------------------------------
rm -rf "$tree"
mkdir -p "$tree"
tar -xzf "$tarball" -C "$tree" --strip-components=1
while read -r p; do
    case "$p" in ''|'#'*) continue ;; esac
    patch -d "$tree" -p1 --forward --quiet < "$here/patches/$p" \
        || die "patch $p does not apply to crun $CRUN_VERSION"
done < "$here/patches/series"
echo "$want_stamp" > "$stamp"
rm -rf "$work"
echo "$tree"
