#!/usr/bin/env bash
# Step 1 of the image test: a stand-in for Home Assistant's Debian base, made from Debian alone
# and tagged with the real base's name, so that the project's Dockerfile builds unchanged with
# `--pull=never`. What it holds and leaves out: standInBase/Dockerfile.
#
#   test/image/makeStandInBase.sh IMAGE [amd64|arm64]
#
# Off CI an existing stand-in of that name is reused (VCI_REBUILD_BASE=1 makes it anew); on CI
# (CI=true) it is always made anew. Needs root, debootstrap and buildah.
set -euo pipefail
image=${1:?usage: makeStandInBase.sh IMAGE [amd64|arm64]}
arch=${2:-amd64}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security_mirror=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
here=$(cd "$(dirname "$0")" && pwd)

label=$(buildah inspect --type image --format '{{index .ImageAnnotations "org.voip-callerid.stand-in"}}{{index .Docker.Config.Labels "org.voip-callerid.stand-in"}}' "$image" 2>/dev/null || true)
if [[ -n "$label" && "${CI:-}" != "true" && "${VCI_REBUILD_BASE:-}" != "1" ]]; then
  echo "stand-in base: reusing $image (VCI_REBUILD_BASE=1 makes it anew)"
  exit 0
fi
if buildah inspect --type image "$image" >/dev/null 2>&1 && [[ -z "$label" ]]; then
  echo "stand-in base: $image is the real base (pulled earlier): using it as it is"
  exit 0
fi

work=$(mktemp -d /var/tmp/vci-standin.XXXXXX)
container=""
cleanup() {
  [[ -n "$container" ]] && buildah rm "$container" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
rootfs=$work/rootfs

echo "stand-in base: debootstrap trixie minbase ($arch)"
debootstrap --variant=minbase --arch="$arch" trixie "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; exit 1; }

# Slimmed as debian:trixie-slim is (debuerreotype's slimify): no docs, man pages or
# translations now, nor from packages installed later.
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/man/*
DPKG
find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
rm -rf "$rootfs"/usr/share/{groff,info,linda,man}/* "$rootfs"/usr/share/lintian/overrides/*
# The slim image's sources: trixie, its updates and its security fixes.
rm -f "$rootfs/etc/apt/sources.list"
cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security_mirror
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb

minbase=localhost/vci-trixie-minbase:$arch
# The images this run replaces, removed at the end (each run would otherwise leave 180 MB).
previous=$( (buildah images --quiet "$image"; buildah images --quiet "$minbase") 2>/dev/null || true)
container=$(buildah from --arch "$arch" scratch)
mountpoint=$(buildah mount "$container")
tar -C "$rootfs" --numeric-owner -cf - . | tar -C "$mountpoint" --numeric-owner -xf -
buildah umount "$container" >/dev/null
buildah config --os linux --arch "$arch" "$container"
buildah commit --quiet --format docker "$container" "$minbase" >/dev/null
buildah rm "$container" >/dev/null
container=""

echo "stand-in base: the base's packages and shims → $image"
context=$work/context
mkdir -p "$context"
cp "$here/standInBase/Dockerfile" "$here/standInBase/init" "$here/standInBase/with-contenv" "$context/"
cp /etc/ssl/certs/ca-certificates.crt "$context/host-ca-bundle.crt"
buildah bud --quiet --isolation chroot --network host --pull=never --format docker \
  --arch "$arch" --build-arg "MINBASE=$minbase" --tag "$image" "$context" >/dev/null
for id in $previous; do
  buildah rmi "$id" >/dev/null 2>&1 || true
done
echo "stand-in base: $image ready"
