#!/usr/bin/env sh
# The full scheduling benchmark of issue 3: every suite, fabnet vs PyJobShop vs the ATCS rule, same limits.
# About 65 minutes at the default 60 s per instance and solver. Usage: benchmarks/schedule/run.sh [seconds]
set -eu
LIMIT="${1:-60}"
OUT="benchmarks/schedule/results"
mkdir -p "$OUT"
for suite in fjsp sdst-pfsp tt-pfsp jsp; do
  .venv/bin/fabnet bench schedule --suite "$suite" --time-limit "$LIMIT" --workers 2 --json "$OUT/$suite.json"
done
.venv/bin/fabnet bench reschedule --repair-limit 2 --scratch-limit "$LIMIT" --plan-limit 10 --json "$OUT/reschedule.json"
