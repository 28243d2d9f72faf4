#!/usr/bin/with-contenv bashio
# Until the daemon exists, the add-on prints each call event to its log.
set -e
interface="$(bashio::config 'capture.interface')"
exec node /app/dist/main.js listen --interface "${interface}"
