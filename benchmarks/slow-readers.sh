#!/usr/bin/env bash
# 10,000 slow readers at once: one HTTPS server per TLS engine (one JVM each, the same heap and direct
# memory limits), 10,000 TLS connections from a client JVM, each reading a 1 MiB response at 16 KiB/s;
# the server's heap, direct memory and RSS sampled while they read, every body checked byte by byte.
# One Markdown table, also in benchmarks/target/slow-readers/results.md. Arguments go to
# ManySlowReadersBenchmark: --quick (500 connections reading at 64 KiB/s), --connections=N,
# --contestants=SSLWRITE,..., --modes=file,bytes, --port=18460. JAVA picks the JVM.
# Not in CI: a full run takes about 15 minutes on an idle 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -o -DskipTests -pl benchmarks -am package 2>/dev/null || mvn -q -B -DskipTests -pl benchmarks -am package
# One descriptor per connection in each of the two JVMs.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec "${JAVA:-java}" -Xmx3g -cp benchmarks/target/benchmarks.jar io.sslwrite.bench.ManySlowReadersBenchmark "$@"
