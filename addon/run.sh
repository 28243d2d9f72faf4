#!/usr/bin/with-contenv bash
# The add-on's one process. with-contenv hands it the container's environment
# (SUPERVISOR_TOKEN, TZ); the daemon reads /data/options.json itself, checks every option,
# logs to stdout (the add-on's Log tab) and stops cleanly on SIGTERM. exec: node is the
# process s6-overlay signals, with no shell in between.
# The flags and MALLOC_ARENA_MAX keep its resident memory small (src/nodeFlags.ts says why;
# test/unit/packaging/nodeFlags.test.ts keeps the two in step); the workers it forks inherit
# the environment.
set -euo pipefail
export MALLOC_ARENA_MAX=2
exec node --max-semi-space-size=1 --optimize-for-size --no-opt --no-sparkplug /app/dist/main.js run
