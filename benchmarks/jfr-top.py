#!/usr/bin/env python3
"""Where a JFR recording's CPU samples went: the top frames of jdk.ExecutionSample, self and total.

    python3 benchmarks/jfr-top.py RECORDING.jfr [THREAD_SUBSTRING] [N]

THREAD_SUBSTRING keeps the samples of matching threads only (e.g. "EventLoop" for Netty's event loops).
"Self" counts a method when it is the innermost frame; "total" when it is anywhere on the stack (once
per sample). Also prints the share of samples whose stack passes through each of a few areas of interest.
"""
import collections
import re
import subprocess
import sys

AREAS = [
    ("AES-GCM (JDK GaloisCounterMode, AES, GHASH)", re.compile(r"com\.sun\.crypto\.provider\.|GHASH|AESCrypt")),
    ("BoringSSL (netty-tcnative SSL calls)", re.compile(r"io\.netty\.internal\.tcnative\.")),
    ("sslwrite record sealing (AesGcmRecordCipher)", re.compile(r"io\.sslwrite\.AesGcmRecordCipher")),
    ("sslwrite write path (WritePump, RecordEncoder, WriteQueue, Batch)",
     re.compile(r"io\.sslwrite\.(WritePump|RecordEncoder|WriteQueue|Batch|PendingWrite)\.")),
    ("sslwrite read path (ReadPath, ReadFramer)", re.compile(r"io\.sslwrite\.(ReadPath|ReadFramer)\.")),
    ("bctls protocol (org.bouncycastle.tls)", re.compile(r"org\.bouncycastle\.tls\.")),
    ("BouncyCastle math (EC, X25519)", re.compile(r"org\.bouncycastle\.(math|crypto)\.")),
    ("SslHandler", re.compile(r"io\.netty\.handler\.ssl\.SslHandler\.")),
    ("JDK SSLEngine (sun.security.ssl)", re.compile(r"sun\.security\.ssl\.")),
    ("HTTP/2 codec", re.compile(r"io\.netty\.handler\.codec\.http2\.")),
    ("HTTP/1 codec", re.compile(r"io\.netty\.handler\.codec\.http\.")),
    ("socket I/O (NIO read/write)", re.compile(r"sun\.nio\.ch\.(SocketDispatcher|IOUtil|SocketChannelImpl)\.")),
    ("promises and listeners (DefaultPromise)", re.compile(r"io\.netty\.util\.concurrent\.DefaultPromise\.")),
    ("ByteBuf allocation (PooledByteBufAllocator, PoolArena)", re.compile(r"io\.netty\.buffer\.(Pool|PooledByteBufAllocator)")),
]


def samples(path, thread_filter):
    out = subprocess.run(["jfr", "print", "--stack-depth", "96", "--events", "jdk.ExecutionSample", path],
                         check=True, capture_output=True, text=True).stdout
    for block in out.split("jdk.ExecutionSample {")[1:]:
        thread = re.search(r'sampledThread = "([^"]*)"', block)
        if thread_filter and (not thread or thread_filter not in thread.group(1)):
            continue
        frames = re.findall(r"^\s+([\w$.<>/]+)\(", block, re.M)
        if frames:
            yield frames


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    path = sys.argv[1]
    thread_filter = sys.argv[2] if len(sys.argv) > 2 else None
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    self_counts = collections.Counter()
    total_counts = collections.Counter()
    area_counts = collections.Counter()
    n = 0
    for frames in samples(path, thread_filter):
        n += 1
        self_counts[frames[0]] += 1
        for f in set(frames):
            total_counts[f] += 1
        joined = "\n".join(frames)
        for name, pattern in AREAS:
            if pattern.search(joined):
                area_counts[name] += 1
    print(f"{path}: {n} samples" + (f" of threads matching '{thread_filter}'" if thread_filter else ""))
    if n == 0:
        return
    print("\nareas (share of samples whose stack passes through):")
    for name, _ in AREAS:
        if area_counts[name]:
            print(f"  {100.0 * area_counts[name] / n:5.1f}%  {name}")
    print(f"\ntop {top} self:")
    for f, c in self_counts.most_common(top):
        print(f"  {100.0 * c / n:5.1f}%  {f}")
    print(f"\ntop {top} total:")
    for f, c in total_counts.most_common(top):
        print(f"  {100.0 * c / n:5.1f}%  {f}")


if __name__ == "__main__":
    main()
