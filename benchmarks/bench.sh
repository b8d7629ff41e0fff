#!/usr/bin/env bash
# Builds the handler and the benchmarks, then runs every benchmark and prints one Markdown table
# (also written to benchmarks/target/results.md). Arguments go to RunAll: --quick, --only=..., --contestants=...
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -DskipTests -pl benchmarks -am package
exec java -jar benchmarks/target/benchmarks.jar "$@"
