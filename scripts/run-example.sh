#!/usr/bin/env bash
# Sets up (idempotent) and runs the main job: examples/dataframe-basics.ts on an embedded local[2] cluster.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$ROOT/scripts/setup.sh"
exec "$ROOT/bin/quiver" submit "$ROOT/examples/dataframe-basics.ts" --master 'local[2]'
