#!/bin/sh
# Prepare the site (in WRITE_DIR when the root is read-only), then serve it on $PORT.
set -e
site=${WRITE_DIR:-/app}/site
mkdir -p "$site"
echo ok > "$site/index.html"
echo "serving $site on ${PORT:-8080}"
exec python3 -m http.server "${PORT:-8080}" --directory "$site"
