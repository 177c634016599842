#!/usr/bin/env bash
# The C library's firmware figures (README, firmware section), on this machine (x86_64;
# no microcontroller target is built here):
#   - the library built as firmware builds it: without std, opt-level "s", LTO, one
#     codegen unit, panic = "abort" (`--profile firmware`);
#   - ld_engine_size() and the stack each call uses (examples/stack_use.c: painted stacks);
#   - the code a program linking every ld_* function gets from the library (linked with
#     --gc-sections, against the same program without the library);
#   - instructions per sample through ld_process (callgrind, the C example replaying a
#     bundled session), beside the Rust Engine::process inside it in the same run: the
#     difference is what the C ABI costs.
#
#   bash engine/ffi/measure.sh        # needs cc, size, valgrind (callgrind_annotate)
set -euo pipefail
cd "$(dirname "$0")/../.."

cargo build --quiet -p letdown-ffi --no-default-features --profile firmware
lib=target/firmware/libletdown_ffi.a
out=target/firmware/c
mkdir -p "$out"
cflags=(-std=c11 -O2 -Wall -Wextra -Werror -ffunction-sections -fdata-sections -I engine/ffi/include)
link=(-lm -lpthread -Wl,--gc-sections)

cc "${cflags[@]}" engine/ffi/examples/stack_use.c "$lib" "${link[@]}" -o "$out/stack_use"
"$out/stack_use"

# Every function of the header, kept alive through a table; the same program without it.
cat > "$out/refs.c" <<'C'
#include "letdown.h"
#ifdef WITH_LIBRARY
void *volatile keep[] = {(void *)ld_engine_size, (void *)ld_engine_align, (void *)ld_config_default,
                         (void *)ld_engine_init, (void *)ld_process, (void *)ld_process_block,
                         (void *)ld_process_gap, (void *)ld_set_user_settings,
                         (void *)ld_user_settings_get, (void *)ld_stats_get, (void *)ld_strerror};
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
# One run per call: ld_process per sample, then ld_process_block over blocks of 32.
for call in ld_process ld_process_block; do
    block=0
    [[ $call == ld_process_block ]] && block=32
    valgrind --tool=callgrind --toggle-collect="$call" --callgrind-out-file="$out/callgrind.$call" \
        "$out/replay" "$session" "$block" >/dev/null 2>"$out/valgrind.log"
    c_abi=$(inclusive "$out/callgrind.$call" ":$call \\[")
    rust=$(inclusive "$out/callgrind.$call" ':letdown_engine::engine::Engine::process \[')
    awk -v call="$call" -v c="$c_abi" -v r="$rust" -v n="$samples" 'BEGIN {
        printf "instructions_per_sample %s %.1f engine_process %.1f c_abi_overhead %.2f\n", call, c / n, r / n, (c - r) / n }'
done
