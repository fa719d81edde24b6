#!/usr/bin/env bash
# npx puente …: the compiled CLI (dist/, built by `npm ci` through `prepare`); from the sources
# with the project's tsx when there is no build yet (development).
DIR="$(dirname "$(readlink -f "$0")")"
if [ -f "$DIR/../dist/scripts/puente.js" ]; then
  exec node --max-semi-space-size=64 --enable-source-maps "$DIR/../dist/scripts/puente.js" "$@"
fi
exec "$DIR/../node_modules/.bin/tsx" "$DIR/puente.ts" "$@"
