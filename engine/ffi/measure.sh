#!/usr/bin/env bash
# The C library's firmware figures (README, firmware section), on this machine (x86_64;
# no microcontroller target is built here):
#   - the library built as firmware builds it: without std, opt-level "s", fat LTO, one
#     codegen unit, panic = "abort" (`--profile firmware`, the static library alone);
#   - ld_engine_size() and the stack each call uses (examples/stack_use.c: painted stacks);
#   - the code a program linking every ld_* function gets from the library (linked with
#     --gc-sections, against the same program without the library);
#   - instructions per sample (callgrind, a bundled session's samples in memory): a C loop
#     calling ld_process against the same loop in Rust calling Engine::process, both built
#     with the firmware flags against the same engine; the difference is what the C ABI
#     costs over the Rust call. And everything inside ld_process_block, blocks of 32.
#
#   bash engine/ffi/measure.sh        # needs cc, size, valgrind (callgrind_annotate)
#   bash engine/ffi/measure.sh stack  # the stack figures alone, checked against the
#                                     # budgets below (CI runs this)
set -euo pipefail
cd "$(dirname "$0")/../.."

# `cargo rustc` with the one crate type and `-C lto=fat`: cargo passes the profile's `lto`
# only when every crate type of the library can take it, and the rlib (for the Rust
# tests) cannot, so a plain `cargo build` links the engine without LTO.
build=$(cargo rustc --quiet -p letdown-ffi --no-default-features --profile firmware \
    --crate-type staticlib --message-format=json -- -C lto=fat)
# The engine that library was built from, for the Rust loop below.
engine_rlib=$(grep -o '"filenames":\["[^"]*libletdown_engine-[^"]*\.rlib"' <<<"$build" | cut -d'"' -f4)
lib=target/firmware/libletdown_ffi.a
out=target/firmware/c
mkdir -p "$out"
cflags=(-std=c11 -O2 -Wall -Wextra -Werror -ffunction-sections -fdata-sections -I engine/ffi/include)
link=(-lm -lpthread -Wl,--gc-sections)

cc "${cflags[@]}" engine/ffi/examples/stack_use.c "$lib" "${link[@]}" -o "$out/stack_use"
"$out/stack_use" | tee "$out/stack_use.txt"
# Stack budgets, bytes, for the library as firmware builds it. A pump's control task
# typically gets a few KB of stack: every call must fit in 4 KB with room for the
# firmware's own frames. `ld_engine_init` stays far below that only because the engine is
# built in the caller's memory (`EngineConfig::build` and the constructors it inlines): it
# needs about 1.9 KB, and its budget is 2.5 KB so that a change that makes the compiler
# assemble any large part of the engine on the stack first fails here (the whole engine is
# 7.7 KB; a detector flag once moved 1.9 KB of it onto the stack, 1 848 → 3 800 bytes).
if [[ "${1:-}" == stack ]]; then
    awk -v budget="process 4096 process_block 2048 process_gap 1024 init 2560" '
        /^stack_bytes/ {
            n = split(budget, b, " ")
            for (i = 1; i <= n; i += 2) {
                used = -1
                for (j = 2; j < NF; j += 2) if ($j == b[i]) used = $(j + 1)
                if (used < 0) {
                    printf "%s: not measured by stack_use\n", b[i]
                    over = 1
                    continue
                }
                status = used <= b[i + 1] ? "within" : "OVER"
                printf "%s: %d bytes of stack, budget %d: %s\n", b[i], used, b[i + 1], status
                if (used > b[i + 1]) over = 1
            }
            seen = 1
        }
        END { exit over || !seen }' "$out/stack_use.txt"
    exit
fi

# Every function of the header, kept alive through a table; the same program without it.
cat > "$out/refs.c" <<'C'
#include "letdown.h"
#ifdef WITH_LIBRARY
void *volatile keep[] = {(void *)ld_engine_size, (void *)ld_engine_align, (void *)ld_config_default,
                         (void *)ld_engine_init, (void *)ld_process, (void *)ld_process_block,
                         (void *)ld_process_gap, (void *)ld_set_user_settings,
                         (void *)ld_user_settings_get, (void *)ld_stats_get, (void *)ld_snapshot_get,
                         (void *)ld_strerror};
int main(void) { return keep[0] == 0; }
#else
int main(void) { return 0; }
#endif
C
cc "${cflags[@]}" -Wno-pedantic -DWITH_LIBRARY "$out/refs.c" "$lib" "${link[@]}" -o "$out/refs_with"
cc "${cflags[@]}" "$out/refs.c" "${link[@]}" -o "$out/refs_without"
read -r with_text with_data with_bss _ < <(size "$out/refs_with" | tail -1)
read -r without_text without_data without_bss _ < <(size "$out/refs_without" | tail -1)
echo "library_code_bytes text $((with_text - without_text)) data $((with_data - without_data)) bss $((with_bss - without_bss))"

command -v valgrind >/dev/null || { echo "measure.sh: valgrind not found: no instruction counts" >&2; exit 1; }
cc "${cflags[@]}" engine/ffi/examples/replay.c "$lib" "${link[@]}" -o "$out/replay"
session=datasets/sessions/sim-typical-s11-timer120-100hz-8min.csv
samples=$(($(grep -vc '^#' "$session") - 1))
echo "callgrind: $session, $samples samples"
# Inclusive instructions of the function matching $2 in profile $1.
inclusive() {
    callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null |
        grep -E "$2" | head -1 | awk '{gsub(",", "", $1); print $1}'
}
# The C ABI against the Rust call: the same loop over the session's samples in memory,
# once through ld_process (C, linked with the library above) and once through
# Engine::process (Rust, compiled by rustc with the firmware profile's flags against the
# engine that library was built from). callgrind counts each program's `run` alone.
rustc --edition 2021 -C opt-level=s -C lto=fat -C codegen-units=1 -C panic=abort \
    -L dependency=target/firmware/deps --extern letdown_engine="$engine_rlib" \
    engine/ffi/measure/per_sample.rs -o "$out/per_sample_rust"
cc "${cflags[@]}" engine/ffi/measure/per_sample.c "$lib" "${link[@]}" -o "$out/per_sample_c"
valgrind --tool=callgrind --toggle-collect=run --callgrind-out-file="$out/callgrind.run_c" \
    "$out/per_sample_c" "$session" >"$out/per_sample_c.txt" 2>"$out/valgrind.log"
valgrind --tool=callgrind --toggle-collect=run_call --callgrind-out-file="$out/callgrind.run_rust" \
    "$out/per_sample_rust" "$session" >"$out/per_sample_rust.txt" 2>"$out/valgrind.log"
if ! cmp -s "$out/per_sample_c.txt" "$out/per_sample_rust.txt"; then
    echo "measure.sh: the C and Rust loops disagree: $(cat "$out/per_sample_c.txt") vs $(cat "$out/per_sample_rust.txt")" >&2
    exit 1
fi
c_loop=$(inclusive "$out/callgrind.run_c" ':run \[')
rust_call=$(inclusive "$out/callgrind.run_rust" ':run_call \[')
awk -v c="$c_loop" -v r="$rust_call" -v n="$samples" 'BEGIN {
    printf "instructions_per_sample c_loop_calling_ld_process %.1f rust_loop_calling_engine_process %.1f c_abi_overhead %.2f\n", c / n, r / n, (c - r) / n }'
# ld_process_block over blocks of 32 (replay.c), everything inside the call per sample.
valgrind --tool=callgrind --toggle-collect=ld_process_block --callgrind-out-file="$out/callgrind.ld_process_block" \
    "$out/replay" "$session" 32 >/dev/null 2>"$out/valgrind.log"
block=$(inclusive "$out/callgrind.ld_process_block" ":ld_process_block \\[")
awk -v b="$block" -v r="$rust_call" -v n="$samples" 'BEGIN {
    printf "instructions_per_sample inside_ld_process_block_32 %.1f over_rust_loop %.2f\n", b / n, (b - r) / n }'
