#!/usr/bin/env bash
# The field's HTTP clients against one HTTPS server per TLS engine: h2load (nghttp2) and wrk, engines in
# turns, one Markdown table (also written to benchmarks/target/real-clients/results.md). Builds what it needs,
# installs the clients when missing. Arguments go to RealClientBenchmark: --quick (short runs, one of each:
# does everything work?), --runs=N (default 3), --only=handshake,h2small,h2large,h1small,h2many,h1many,
# --contestants=SSLWRITE,NETTY_JDK,NETTY_BCJSSE,NETTY_OPENSSL, --port=18440 (uses 2 ports per contestant),
# --jfr (a flight recording of each server in benchmarks/target/real-clients/). JAVA picks the JVM.
# Not in CI: a full run takes about 13 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v h2load >/dev/null || missing+=(nghttp2-client)
command -v wrk >/dev/null || missing+=(wrk)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${missing[@]}"
fi
mvn -q -B -o -DskipTests -pl benchmarks -am package 2>/dev/null || mvn -q -B -DskipTests -pl benchmarks -am package
# 1,000 connections in each of client and server, and 10,000 for the slow readers: one descriptor each.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec "${JAVA:-java}" -cp benchmarks/target/benchmarks.jar io.sslwrite.bench.RealClientBenchmark "$@"
