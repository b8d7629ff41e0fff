#!/usr/bin/env bash
# Builds the handler and the benchmarks, then runs every benchmark and prints one Markdown table
# (also written to benchmarks/target/results.md). Arguments go to RunAll: --quick, --only=..., --contestants=...
# With --fips first, the same benchmarks run on the FIPS build (sslwrite-handler-fips beside SslHandler
# over BCJSSE-FIPS), from an unshaded class path: bc-fips checks its own jar when it loads.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--fips" ]; then
  shift
  mvn -q -B -DskipTests -Pfips -pl benchmarks-fips -am package
  exec java -Dorg.bouncycastle.fips.approved_only=true \
    -cp "benchmarks-fips/target/classes:$(cat benchmarks-fips/target/classpath.txt)" \
    io.sslwrite.bench.RunAll --contestants=SSLWRITE,NETTY_BCJSSE "$@"
fi
mvn -q -B -DskipTests -pl benchmarks -am package
# The footprint suite holds 10,000 connections open in each of two JVMs: one descriptor each.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec java -jar benchmarks/target/benchmarks.jar "$@"
