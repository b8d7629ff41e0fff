#!/usr/bin/env bash
# Builds the handler and the benchmarks, then runs every benchmark and prints one Markdown table
# (also written to benchmarks/target/results.md). Arguments go to RunAll: --quick, --only=..., --contestants=...
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -DskipTests -pl benchmarks -am package
# The footprint suite holds 10,000 connections open in each of two JVMs: one descriptor each.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec java -jar benchmarks/target/benchmarks.jar "$@"
