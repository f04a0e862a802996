#!/bin/bash
# Run by run.sh as PROBE_EXEC (URL, CA, BIN exported): instructions per
# transfer (callgrind), heap allocations (memcheck's heap summary) on a
# scaled-down H2S, and the pause experiment. Output files in $OUT
# (default /tmp/h2probe-profile).
#   PROBE_EXEC=bench/h2crate-probe/profile.sh bench/h2crate-probe/run.sh 0 0 0 64
set -u
OUT=${OUT:-/tmp/h2probe-profile}
N=${N:-2000}
mkdir -p "$OUT"
# The environment goes before valgrind, so valgrind traces the client.
envs() { # client
    case $1 in
    rust-driver) echo BENCH_PIPEWAIT=1 BENCH_MAX_HOST_CONNECTIONS=1 ;;
    probe-pipe) echo PROBE_TRANSPORT=pipe ;;
    probe-direct) echo PROBE_TRANSPORT=direct ;;
    esac
}
bin() { if [ "$1" = rust-driver ]; then echo "$BIN/fetch-bench-driver"; else echo "$BIN/h2crate-probe"; fi; }
# Each at N and N/10 transfers: the difference per transfer leaves out
# start-up (TLS handshake, certificate checks, first allocations).
M=$((N / 10))
for c in rust-driver probe-pipe probe-direct; do
    for n in "$N" "$M"; do
        env $(envs $c) valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.$c.$n" \
            "$(bin $c)" "$URL/1k.bin" "$n" 100 "$CA" >"$OUT/cg.$c.$n.json" 2>"$OUT/cg.$c.$n.log"
        env $(envs $c) valgrind --tool=memcheck --leak-check=no \
            "$(bin $c)" "$URL/1k.bin" "$n" 100 "$CA" >/dev/null 2>"$OUT/mc.$c.$n.log"
    done
    ir() { grep -o 'Collected : [0-9]*' "$OUT/cg.$c.$1.log" | grep -o '[0-9]*$'; }
    al() { grep -o 'total heap usage: [0-9,]*' "$OUT/mc.$c.$1.log" | grep -o '[0-9,]*$' | tr -d ,; }
    echo "$c: instructions $(ir "$N") at $N, $(ir "$M") at $M: $(( ($(ir "$N") - $(ir "$M")) / (N - M) )) per transfer;" \
        "allocations $(al "$N") at $N, $(al "$M") at $M: $(( ($(al "$N") - $(al "$M")) * 10 / (N - M) ))/10 per transfer"
done
# Pause: the first K streams never release capacity (never read on).
for spec in "1 2" "16 17"; do
    set -- $spec
    echo "pause K=$1 of $2 streams on big.bin: $(PROBE_PAUSED=$1 "$BIN/h2crate-probe" "$URL/big.bin" "$2" "$2" "$CA")"
done
