#!/usr/bin/env bash
# Runs the analysis models in the warehouse the collector writes to:
#   examples/warehouse/models.sh clickhouse|postgres "Product Viewed,Product Added,Order Completed"
# CLICKHOUSE (default: clickhouse-client) and DATABASE_URL (PostgreSQL) say how to reach them.
set -euo pipefail
target=${1:?clickhouse or postgres}
steps=${2:-Product Viewed,Product Added,Order Completed}
touchpoint() { npx --no-install touchpoint "$@"; }
case "$target" in
  clickhouse)
    run() { ${CLICKHOUSE:-clickhouse-client} --multiquery --format PrettyCompact; } ;;
  postgres)
    run() { psql "${DATABASE_URL:?set DATABASE_URL}" -v ON_ERROR_STOP=1; } ;;
  *) echo "target must be clickhouse or postgres" >&2; exit 2 ;;
esac
touchpoint sql --target "$target" stitch | run
touchpoint sql --target "$target" funnel --steps "$steps" --within 7d | run
for model in first last linear position; do
  echo "attribution, $model touch"
  touchpoint sql --target "$target" attribution --model "$model" --lookback 30d | run
done
