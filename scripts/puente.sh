#!/usr/bin/env bash
# npx puente …: runs scripts/puente.ts with the project's tsx (Node 20 has no TS loader).
DIR="$(dirname "$(readlink -f "$0")")"
exec "$DIR/../node_modules/.bin/tsx" "$DIR/puente.ts" "$@"
