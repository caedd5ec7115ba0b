#!/usr/bin/env bash
# Writes anew the screens the tapes produce: the expected screens of tests/tapes/ and the
# README's pictures in assets/screens/. Review the diff before committing it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked
bin=target/release/intune-assist

play() { # TAPE OUT_DIR [EXTRA ARGS…]
    local tape=$1 out=$2
    shift 2
    local args=()
    if [[ -f ${tape%.tape}.args ]]; then
        read -r -a args <"${tape%.tape}.args"
    fi
    rm -rf "$out"
    "$bin" script "$tape" "${args[@]}" "$@" --out "$out" >/dev/null
    echo "wrote $out"
}

for tape in tests/tapes/*.tape; do
    play "$tape" "${tape%.tape}"
done
play assets/readme.tape assets/screens --format svg
