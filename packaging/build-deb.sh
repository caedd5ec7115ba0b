#!/usr/bin/env bash
# Builds a Debian package with the binary, one man page per command and the bash, zsh and fish
# completions, all generated from the release binary. Needs cargo-deb
# (`cargo install cargo-deb`); extra arguments go to `cargo deb` (e.g. --output DIR).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked
bin=target/release/intune-assist
out=target/packaging
rm -rf "$out"
mkdir -p "$out/man" "$out/completions"
"$bin" man --out "$out/man" 2>/dev/null
gzip -9n "$out"/man/*.1
"$bin" completions bash >"$out/completions/intune-assist"
"$bin" completions zsh >"$out/completions/_intune-assist"
"$bin" completions fish >"$out/completions/intune-assist.fish"
cargo deb --no-build --locked "$@"
