#!/usr/bin/with-contenv bash
# The add-on's one process. with-contenv hands it the container's environment
# (SUPERVISOR_TOKEN, TZ); the daemon reads /data/options.json itself, checks every option,
# logs to stdout (the add-on's Log tab) and stops cleanly on SIGTERM. exec: node is the
# process s6-overlay signals, with no shell in between.
set -euo pipefail
exec node /app/dist/main.js run
