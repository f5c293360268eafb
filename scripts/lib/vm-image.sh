# Guest images for scripts/e2e-vm (sourced, not run; needs scripts/lib/e2e.sh).
# `vm_image SUITE` prints the directory of a cached image for that Debian
# suite, building it first when missing: debootstrap into a folder, Debian's
# own packages installed with apt inside it, the kernel and initrd copied out
# of its /boot (QEMU boots them with -kernel/-initrd; no bootloader), and the
# folder turned into an ext4 image with `mkfs.ext4 -d` (no loop mount).
# The cache key hashes this file (package list, configuration, steps) and the
# suite, so an image is rebuilt exactly when one of those changes:
#   target/vm/SUITE-KEY/{root.img,vmlinuz,initrd.img,versions}

# What the guest is: a systemd host with pure cgroup v2 (Debian's default),
# the clients the scenarios drive and crun/runc as the controls.
vm_packages=(linux-image-amd64 systemd systemd-sysv udev dbus dbus-user-session libpam-systemd
             kmod procps util-linux e2fsprogs apparmor
             podman conmon crun runc containerd uidmap jq)
vm_image_size=6G

# The unit that runs a test at boot when the kernel command line asks for it:
# it mounts the host's 9p share (tag e2e), runs its `guest-run` and powers off.
vm_boot_script='#!/bin/sh
# Runs /mnt/e2e/guest-run from the host (9p share "e2e") once, then powers off.
mkdir -p /mnt/e2e
if mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 e2e /mnt/e2e; then
    sh /mnt/e2e/guest-run > /dev/console 2>&1
    echo "stockade-e2e-boot: guest-run exited $?" > /dev/console
else
    echo "stockade-e2e-boot: cannot mount the 9p share e2e" > /dev/console
fi
sync
systemctl --no-block poweroff'
vm_boot_unit='[Unit]
Description=stockade VM end-to-end run (scripts/e2e-vm)
After=multi-user.target
ConditionKernelCommandLine=stockade.e2e
ConditionVirtualization=!container

[Service]
# exec, not oneshot: the boot finishes (is-system-running answers) while it runs.
Type=exec
ExecStart=/usr/local/sbin/stockade-e2e-boot

[Install]
WantedBy=multi-user.target'

vm_image_key() { # SUITE -> the cache key
    { echo "$1"; cat "${BASH_SOURCE[0]}"; } | sha256sum | cut -c1-16
}

# Runs SCRIPT inside ROOT in a private mount namespace (/proc, /sys, /dev are
# mounted there only and vanish with it).
vm_chroot() { # ROOT SCRIPT
    unshare --mount --propagation private -- /bin/sh -c '
        mount -t proc proc "$1/proc" && mount --rbind /sys "$1/sys" && mount --rbind /dev "$1/dev" &&
        exec chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
            DEBIAN_FRONTEND=noninteractive /bin/sh -ec "$2"' sh "$1" "$2"
}

# Removes a build tree; debootstrap may have left /proc, /sys or /dev
# (bind) mounts in it when it failed, and rm must never cross into them.
vm_remove_tree() { # DIR
    local abs
    [ -e "$1" ] || return 0
    abs=$(realpath "$1")
    grep -o " $abs/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m"; done
    rm -rf --one-file-system "$abs"
}

# Callers hold target/vm/SUITE.lock (scripts/e2e-vm), so one build per suite runs.
vm_image() { # SUITE -> prints the image directory; progress on stderr
    local suite=$1 key dir mirror work root log t0 old
    key=$(vm_image_key "$suite")
    dir=target/vm/$suite-$key
    if [ -f "$dir/root.img" ] && [ -f "$dir/versions" ]; then
        echo "$dir"
        return 0
    fi
    mirror=$(debian_mirror)
    [ -n "$mirror" ] || { echo "e2e-vm: no Debian archive in this machine's apt sources" >&2; return 1; }
    mkdir -p target/vm
    for old in "target/vm/build-$suite".*; do vm_remove_tree "$old"; done
    work=$(mktemp -d "target/vm/build-$suite.XXXXXX")
    root=$work/root
    log=$work/build.log
    t0=$SECONDS
    echo "e2e-vm: building the $suite image from $mirror (cache: $dir)" >&2
    if ! vm_image_build "$suite" "$mirror" "$work" > "$log" 2>&1; then
        echo "e2e-vm: building the $suite image failed; the end of $log:" >&2
        tail -25 "$log" >&2
        vm_remove_tree "$root"
        return 1
    fi
    vm_remove_tree "$root"
    # Older images of this suite (other keys) are stale now.
    for old in "target/vm/$suite-"*; do [ -d "$old" ] && rm -rf "$old"; done
    mv "$work" "$dir"
    echo "e2e-vm: $suite image built in $((SECONDS - t0)) s" >&2
    echo "$dir"
}

vm_image_build() { # SUITE MIRROR WORK (output is the build log)
    local suite=$1 mirror=$2 work=$3 root=$3/root kver
    debootstrap --variant=minbase --components=main "$suite" "$root" "$mirror" || return 1
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    # No service starts inside the build chroot.
    printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
    chmod 755 "$root/usr/sbin/policy-rc.d"
    vm_chroot "$root" "apt-get update -q && apt-get install -y -q --no-install-recommends ${vm_packages[*]} && apt-get clean" \
        || return 1
    rm -f "$root/usr/sbin/policy-rc.d"
    : > "$root/etc/resolv.conf"

    echo "stockade-vm-$suite" > "$root/etc/hostname"
    printf '127.0.0.1 localhost\n127.0.1.1 stockade-vm-%s\n' "$suite" > "$root/etc/hosts"
    printf '/dev/vda / ext4 rw,noatime 0 0\n' > "$root/etc/fstab"
    printf '%s\n' "$vm_boot_script" > "$root/usr/local/sbin/stockade-e2e-boot"
    chmod 755 "$root/usr/local/sbin/stockade-e2e-boot"
    printf '%s\n' "$vm_boot_unit" > "$root/etc/systemd/system/stockade-e2e.service"
    # Enabled by hand (no systemctl in a chroot without systemd running).
    mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
    ln -sf /etc/systemd/system/stockade-e2e.service \
        "$root/etc/systemd/system/multi-user.target.wants/stockade-e2e.service"
    # The serial console carries the test output: no login prompt on it.
    ln -sf /dev/null "$root/etc/systemd/system/serial-getty@ttyS0.service"
    ln -sf /dev/null "$root/etc/systemd/system/getty@tty1.service"
    # Nothing else runs during the test (apt's timers would fire soon after boot).
    ln -sf /dev/null "$root/etc/systemd/system/apt-daily.timer"
    ln -sf /dev/null "$root/etc/systemd/system/apt-daily-upgrade.timer"

    kver=$(ls "$root/lib/modules" | sort -V | tail -1)
    [ -n "$kver" ] || { echo "no kernel installed in $root"; return 1; }
    cp "$root/boot/vmlinuz-$kver" "$work/vmlinuz" || return 1
    cp "$root/boot/initrd.img-$kver" "$work/initrd.img" || return 1
    vm_chroot "$root" "dpkg-query -W -f '\${Package} \${Version}\n' podman conmon containerd runc crun systemd apparmor \
        linux-image-$kver" > "$work/versions" || return 1

    truncate -s "$vm_image_size" "$work/root.img" || return 1
    mkfs.ext4 -q -L stockade-vm -d "$root" "$work/root.img"
}
