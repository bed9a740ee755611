#!/usr/bin/env bash
# JMH benchmarks of the partition log (brook-bench, dev.brook.bench.storage); not part of `mvn verify`.
#
#   bench/storage-jmh.sh              full run (a few minutes per benchmark; the open benchmark writes ~1.3 GB)
#   bench/storage-jmh.sh quick        one short iteration each, for a smoke figure
#   bench/storage-jmh.sh [quick] ARGS extra JMH arguments, e.g. a regex and parameters:
#       bench/storage-jmh.sh OffsetLookup -p logMiB=4096      lookups on a 4 GiB log
#       bench/storage-jmh.sh Open -p records=1000000          open a 1-million-record log
#
# Logs are written under $BROOK_BENCH_DIR (default: $TMPDIR or /tmp) and deleted afterwards.
# Append MB/s = AppendBenchmark.append score (batches/s) × the "batch bytes" printed / 10^6.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/lib/find-java.sh"
cd "$root"

quick=()
if [ "${1:-}" = quick ]; then
  shift
  # Short iterations; the open benchmark uses 1 warm-up and 2 measured opens per state.
  quick=(-f 1 -wi 1 -i 2 -w 3s -r 5s)
fi
mvn -B -ntp -o -q -pl brook-bench -am package -DskipTests
dir=${BROOK_BENCH_DIR:-${TMPDIR:-/tmp}}
# The open benchmark's log is built once and shared by its forks; remove it at the end.
trap 'rm -rf "$dir"/brook-bench-cache-*' EXIT
"$JAVA" -cp "brook-bench/target/classes:brook-bench/target/lib/*" \
  org.openjdk.jmh.Main -jvmArgs "-Xmx2g -Dbrook.bench.dir=$dir" "${quick[@]}" "${@:-dev.brook.bench.storage}"
