#!/bin/bash
# Interleaved runs of the h2 crate probe (both transports) and fetch-core's
# rust-driver against one nginx with the bench's configuration
# (bench/nginx.conf.in, HTTP/2 over TLS). Prints one JSON line per run,
# prefixed with the workload name, on stdout.
#
#   bench/h2crate-probe/run.sh [ROUNDS] [SMALL_TOTAL] [BULK_TOTAL] [BULK_MIB]
#
# Defaults: 5 rounds of H2S (20000 x 1 KiB, 100 streams) and H2B
# (8 x 256 MiB, 4 streams). Needs nginx and openssl; run as root (the
# configuration says `user root`). Build first:
#   cargo build --release -p h2crate-probe -p fetch-bench-driver
set -eu
ROUNDS=${1:-5}
SMALL=${2:-20000}
BULK=${3:-8}
BULK_MIB=${4:-256}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release
DIR=$(mktemp -d /tmp/h2probe.XXXXXX)
mkdir -p "$DIR/www" "$DIR/tmp"
head -c 1024 /dev/zero | tr '\0' a >"$DIR/www/1k.bin"
head -c $((BULK_MIB << 20)) /dev/zero | tr '\0' a >"$DIR/www/big.bin"
(
    cd "$DIR"
    printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n' >leaf.ext
    EC="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
    openssl req -x509 -days 2 -subj "/CN=probe CA" $EC -keyout ca.key -out ca.pem 2>/dev/null
    openssl req -subj /CN=127.0.0.1 $EC -keyout key.pem -out leaf.csr 2>/dev/null
    openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
        -extfile leaf.ext -out cert.pem 2>/dev/null
)
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
P1=$(port); P2=$(port); P3=$(port)
sed -e "s|@DIR@|$DIR|g" -e "s|@PORT@|$P1|" -e "s|@TLS_PORT@|$P2|" -e "s|@H2_PORT@|$P3|" \
    -e "s|@WORKER_CONNECTIONS@|1024|" -e "s|@NOFILE@|4096|" \
    "$ROOT/bench/nginx.conf.in" >"$DIR/nginx.conf"
nginx -p "$DIR" -c "$DIR/nginx.conf" </dev/null >/dev/null &
NGINX=$!
trap 'nginx -p "$DIR" -c "$DIR/nginx.conf" -s stop 2>/dev/null; wait $NGINX; rm -rf "$DIR"' EXIT
i=0
while ! (exec 3<>/dev/tcp/127.0.0.1/$P3) 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "nginx did not start" >&2; exit 1; }
    sleep 0.1
done
URL=https://127.0.0.1:$P3
# libcurl through bench/driver.c, as `cargo xtask bench` builds it, for a
# same-session reference (left out if it does not build).
CLIENTS="rust-driver probe-pipe probe-direct"
if cc -O2 -o "$DIR/driver-libcurl" "$ROOT/bench/driver.c" -lcurl 2>/dev/null; then
    CLIENTS="$CLIENTS libcurl"
fi
one() { # workload client total conc file
    case $2 in
    rust-driver) out=$(BENCH_PIPEWAIT=1 BENCH_MAX_HOST_CONNECTIONS=1 \
        "$BIN/fetch-bench-driver" "$URL/$5" "$3" "$4" "$DIR/ca.pem") ;;
    probe-pipe) out=$(PROBE_TRANSPORT=pipe "$BIN/h2crate-probe" "$URL/$5" "$3" "$4" "$DIR/ca.pem") ;;
    probe-direct) out=$(PROBE_TRANSPORT=direct "$BIN/h2crate-probe" "$URL/$5" "$3" "$4" "$DIR/ca.pem") ;;
    libcurl) out=$(BENCH_PIPEWAIT=1 BENCH_MAX_HOST_CONNECTIONS=1 \
        "$DIR/driver-libcurl" "$URL/$5" "$3" "$4" "$DIR/ca.pem") ;;
    esac
    echo "$1 $out"
}
# PROBE_EXEC=script: run it instead of the rounds, with URL (the HTTP/2
# listener, no path) and CA exported, e.g. for callgrind or memcheck.
if [ -n "${PROBE_EXEC:-}" ]; then
    URL=$URL CA=$DIR/ca.pem BIN=$BIN "$PROBE_EXEC"
    exit
fi
r=0
while [ $r -lt "$ROUNDS" ]; do
    # Rotate the order so no client always runs first.
    set -- $CLIENTS
    k=0
    while [ $k -lt $((r % $#)) ]; do
        first=$1; shift; set -- "$@" "$first"; k=$((k + 1))
    done
    ORDER="$*"
    for c in $ORDER; do one H2S "$c" "$SMALL" 100 1k.bin; done
    if [ "$BULK" -gt 0 ]; then
        for c in $ORDER; do one H2B "$c" "$BULK" 4 big.bin; done
    fi
    r=$((r + 1))
done
