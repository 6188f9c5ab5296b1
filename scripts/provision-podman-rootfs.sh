#!/usr/bin/env bash
# Builds the minimal Debian root file system that podman workspaces (and the
# podman driver's tests) run from: no image pull is possible here, so the
# template points the podman driver at this directory (`rootfs`).
#
# Idempotent: when the directory already holds a complete build of the same
# package list it exits at once. A build goes to a temporary directory beside
# the target and is renamed into place only when complete, under a lock, so an
# interrupted or concurrent run never leaves a half-built rootfs behind.
#
# Environment:
#   HANGAR_PODMAN_ROOTFS  target directory (default /var/cache/hangar/rootfs-bookworm)
#   HANGAR_DEBIAN_MIRROR  Debian mirror (default http://deb.debian.org/debian)
#   HANGAR_DEBIAN_SUITE   suite (default bookworm)
# Needs root and the Debian package debootstrap (installed when missing).
set -euo pipefail

ROOTFS=${HANGAR_PODMAN_ROOTFS:-/var/cache/hangar/rootfs-bookworm}
MIRROR=${HANGAR_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=${HANGAR_DEBIAN_SUITE:-bookworm}
# What a workspace needs beyond minbase: a shell and the usual tools, git, TLS
# roots, socat and iproute2 (the network policies), tmux (terminals), curl.
PACKAGES=bash,coreutils,procps,psmisc,iproute2,socat,git,ca-certificates,curl,tmux,less
# Bump when the layout below changes, so existing builds are redone.
LAYOUT=1
STAMP_NAME=.hangar-rootfs
STAMP="suite=$SUITE layout=$LAYOUT packages=$PACKAGES"

log() { echo "provision-podman-rootfs: $*" >&2; }

if [[ -f "$ROOTFS/$STAMP_NAME" && "$(cat "$ROOTFS/$STAMP_NAME")" == "$STAMP" ]]; then
  echo "$ROOTFS"
  exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
  log "building $ROOTFS needs root; run: sudo $0"
  exit 1
fi

if ! command -v debootstrap >/dev/null && [[ ! -x /usr/sbin/debootstrap ]]; then
  log "installing debootstrap"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi
export PATH="$PATH:/usr/sbin:/sbin"

parent=$(dirname "$ROOTFS")
mkdir -p "$parent"
exec 9>"$ROOTFS.lock"
flock 9
# Another run may have finished the build while this one waited for the lock.
if [[ -f "$ROOTFS/$STAMP_NAME" && "$(cat "$ROOTFS/$STAMP_NAME")" == "$STAMP" ]]; then
  echo "$ROOTFS"
  exit 0
fi

build="$ROOTFS.build"
# An interrupted debootstrap may leave /proc or /sys mounted inside its target.
awk -v dir="$build/" 'index($2, dir) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r umount -l
rm -rf --one-file-system "$build"
log "building $SUITE into $ROOTFS from $MIRROR (about 40 s the first time)"
started=$SECONDS
if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$build" "$MIRROR" >"$build.log" 2>&1; then
  log "debootstrap failed; last lines of $build.log:"
  tail -n 20 "$build.log" >&2
  exit 1
fi

# The sandbox runs it read-only and shared by every workspace: create the mount
# points it needs, and drop what only an installer or a writable system needs.
mkdir -p "$build/workspace" "$build/home/hangar"
rm -rf "$build"/var/cache/apt/archives/*.deb "$build"/var/lib/apt/lists/* "$build/debootstrap"
echo "$STAMP" >"$build/$STAMP_NAME"

rm -rf --one-file-system "$ROOTFS"
mv "$build" "$ROOTFS"
rm -f "$build.log"
log "done in $((SECONDS - started)) s: $(du -sh "$ROOTFS" | cut -f1)"
echo "$ROOTFS"
