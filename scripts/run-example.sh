#!/usr/bin/env bash
# Sets up (idempotent) and runs the main job on an embedded local[2] cluster: examples/ml-pipeline.ts (flight-delay
# classification with an ML pipeline and cross-validation). `./scripts/run-example.sh dataframe` runs the DataFrame
# tour, examples/dataframe-basics.ts, instead.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
case "${1:-ml}" in
  ml) example=ml-pipeline.ts ;;
  dataframe) example=dataframe-basics.ts ;;
  *) echo "usage: $0 [ml|dataframe]" >&2; exit 2 ;;
esac
"$ROOT/scripts/setup.sh"
exec "$ROOT/bin/quiver" submit "$ROOT/examples/$example" --master 'local[2]'
