#!/usr/bin/env bash
# npm run test:image — the add-on image, built and started here as the Supervisor builds and
# starts it (issue 11):
#   1. a stand-in of Home Assistant's Debian base, tagged with the Dockerfile's BUILD_FROM
#      (makeStandInBase.sh);
#   2. the project's Dockerfile, unchanged: buildah bud --isolation chroot --network host;
#      its own layers (image size minus base size) must stay within 150 MB;
#   3.-5. the image started as an add-on, a call on the wire, SIGTERM, bad options
#      (addon.image.ts, vitest).
# Needs root, buildah, podman and debootstrap (apt-get install buildah podman debootstrap);
# without them it says so and skips, except on CI (CI=true), where it fails.
set -euo pipefail

# All in a function, read whole before it runs: editing this file during a run cannot change it.
main() {
  cd "$(dirname "$0")/../.."
  started=$SECONDS
  own_layers_limit_mb=150

  missing=()
  [[ $(id -u) == 0 ]] || missing+=("root")
  for tool in buildah podman debootstrap mosquitto; do
    command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] || missing+=("$tool")
  done
  if ((${#missing[@]} > 0)); then
    message="image test: needs ${missing[*]} (apt-get install buildah podman debootstrap mosquitto, as root)"
    if [[ "${CI:-}" == "true" ]]; then
      echo "$message; CI=true, so this fails" >&2
      exit 1
    fi
    echo "$message: skipped" >&2
    exit 0
  fi

  base=$(sed -n 's/^ARG BUILD_FROM=//p' Dockerfile)
  [[ -n "$base" ]] || { echo "image test: no ARG BUILD_FROM=… default in Dockerfile" >&2; exit 1; }
  image=localhost/voip-callerid:image-test

  step() { echo "== image test ($((SECONDS - started)) s): $*"; }

  # The previous run's image goes first: it holds on to the stand-in base that step 1 replaces.
  buildah rmi "$image" >/dev/null 2>&1 || true

  step "1. stand-in base $base"
  test/image/makeStandInBase.sh "$base"

  step "2. buildah bud of the Dockerfile"
  build_log=$(mktemp /tmp/vci-image-build.XXXXXX.log)
  build_started=$SECONDS
  if ! buildah bud --isolation chroot --network host --pull=never --format docker \
    --tag "$image" . >"$build_log" 2>&1; then
    tail -40 "$build_log" >&2
    echo "image test: the build failed (whole log: $build_log)" >&2
    exit 1
  fi
  rm -f "$build_log"
  bytes() { podman image inspect --format '{{.Size}}' "$1"; }
  image_bytes=$(bytes "$image")
  base_bytes=$(bytes "$base")
  own_mb=$(((image_bytes - base_bytes) / 1000000))
  echo "built in $((SECONDS - build_started)) s: image $((image_bytes / 1000000)) MB," \
    "base $((base_bytes / 1000000)) MB, own layers $own_mb MB (limit $own_layers_limit_mb MB)"
  if ((own_mb > own_layers_limit_mb)); then
    echo "image test: the image's own layers ($own_mb MB) exceed $own_layers_limit_mb MB" >&2
    exit 1
  fi

  step "3.-5. the image started as an add-on"
  VCI_IMAGE=$image npx vitest run --config test/image/vitest.config.ts

  step "done"
}

main "$@"
