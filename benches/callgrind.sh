#!/usr/bin/env bash
# Instructions per sample of the engine alone and through the lock-free pipeline, counted
# by callgrind on a fixed input (benches/callgrind_input.rs: two minutes of a typical
# simulated 1 kHz session, seed 11, generated before anything is counted). Instruction
# counts repeat from run to run on a shared machine; wall times do not (DESIGN §6).
#
#   bash benches/callgrind.sh            # needs valgrind (callgrind, callgrind_annotate)
#
# Run 1: `--toggle-collect` on `run_engine` (the engine, sample by sample): everything
#   counted is the engine and its loop.
# Run 2: `--separate-threads=yes`, one profile per thread. The producer side is the
#   inclusive cost of `run_pipeline` on the main thread (pipeline::start with its
#   allocations and thread spawn, feed_unpaced in blocks of 32, close, join); the engine
#   side is the whole engine thread (its run loop: drain, Engine::process, histograms,
#   publishing, waiting). callgrind runs one thread at a time, and the input fits in the
#   queue, so no instruction is spent spinning on a full or empty queue.
# Run 3: as run 2 with a bare `SensorProducer::push` per block in place of feed_unpaced
#   (which also times every push into a histogram): reported on its own line.
#
# Prints `instructions_per_sample: N`, a breakdown, `pipeline_overhead_per_sample: M-N`,
# and as its last line `pipeline_instructions_per_sample: M`. The profiles stay in
# target/callgrind/ for callgrind_annotate. Targets (issue 11): N ≤ 200, M − N ≤ 20.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in valgrind callgrind_annotate; do
    command -v "$tool" >/dev/null || { echo "callgrind.sh: $tool not found (install valgrind)" >&2; exit 1; }
done

# Build the input program in the bench profile (optimised, with debug info for symbols).
exe=$(cargo bench -p letdown-suite --bench callgrind_input --no-run --message-format=json 2>/dev/null |
    grep '"name":"callgrind_input"' | grep -o '"executable":"[^"]*"' | tail -1 | cut -d'"' -f4)
if [[ -z "$exe" || ! -x "$exe" ]]; then
    echo "callgrind.sh: could not build benches/callgrind_input.rs" >&2
    cargo bench -p letdown-suite --bench callgrind_input --no-run >&2
    exit 1
fi

out="$PWD/target/callgrind"
mkdir -p "$out"
rm -f "$out"/engine.out* "$out"/pipeline.out* "$out"/pipeline-push.out*

# Inclusive cost of the function whose demangled name is $2 in profile $1 (0 if absent).
# Run from / : inside the checkout callgrind_annotate shortens some source paths and not
# others, and then splits one function's inclusive cost over two entries.
inclusive() {
    (cd / && callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null) |
        grep -F ":$2 [" | head -1 | awk '{ gsub(",", "", $1); print $1 + 0 }' | grep . || echo 0
}
# Total cost of a profile.
total() {
    awk '/^(summary|totals):/ { print $2; exit }' "$1"
}
per_sample() { awk -v x="$1" -v n="$samples" 'BEGIN { printf "%.1f", x / n }'; }

# Run 1: the engine alone.
valgrind --tool=callgrind --callgrind-out-file="$out/engine.out" \
    --toggle-collect='callgrind_input::run_engine' \
    "$exe" engine >"$out/engine.stdout" 2>"$out/engine.valgrind"
samples=$(awk '/^samples:/ { print $2 }' "$out/engine.stdout")
engine_ir=$(total "$out/engine.out")
engine_process_ir=$(inclusive "$out/engine.out" letdown_engine::engine::Engine::process)

# Runs 2 and 3: the same input through the pipeline, fed by feed_unpaced (the figure the
# targets are about) and by a bare SensorProducer::push per block (the producer's own cost).
# Sets <prefix>_{producer,start,feed,thread,process,publish,wait}_ir.
pipeline_run() {
    local mode=$1 prefix=$2 feed_fn=$3 f main
    valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$out/$mode.out" \
        "$exe" "$mode" >"$out/$mode.stdout" 2>"$out/$mode.valgrind"
    main=$(grep -l '^thread: 1$' "$out/$mode".out-*)
    local producer start feed thread=0 process=0 publish=0 wait=0
    producer=$(inclusive "$main" callgrind_input::run_pipeline)
    start=$(inclusive "$main" letdown_engine::pipeline::start)
    feed=$(inclusive "$main" "$feed_fn")
    for f in "$out/$mode".out-*; do
        [[ "$f" == "$main" ]] && continue
        thread=$((thread + $(total "$f")))
        process=$((process + $(inclusive "$f" letdown_engine::engine::Engine::process)))
        publish=$((publish + $(inclusive "$f" letdown_engine::pipeline::latency::Percentiles::of)))
        wait=$((wait + $(inclusive "$f" letdown_engine::pipeline::wait::Waiter::wait)))
    done
    printf -v "${prefix}_producer_ir" %s "$producer"
    printf -v "${prefix}_start_ir" %s "$start"
    printf -v "${prefix}_feed_ir" %s "$feed"
    printf -v "${prefix}_thread_ir" %s "$thread"
    printf -v "${prefix}_process_ir" %s "$process"
    printf -v "${prefix}_publish_ir" %s "$publish"
    printf -v "${prefix}_wait_ir" %s "$wait"
}
pipeline_run pipeline p letdown_engine::pipeline::feed::feed_unpaced
pipeline_run pipeline-push b callgrind_input::push_blocks
wait_name=$(awk '/^pipeline_wait:/ { print $2 }' "$out/pipeline.stdout")
producer_ir=$p_producer_ir start_ir=$p_start_ir feed_ir=$p_feed_ir thread_ir=$p_thread_ir
process_ir=$p_process_ir publish_ir=$p_publish_ir wait_ir=$p_wait_ir
pipeline_ir=$((producer_ir + thread_ir))

if ((samples == 0 || engine_ir == 0 || producer_ir == 0 || thread_ir == 0)); then
    echo "callgrind.sh: missing counts (see $out/*.valgrind)" >&2
    exit 1
fi
if ((process_ir != engine_process_ir)); then
    echo "callgrind.sh: warning: Engine::process differs between the runs" \
        "($engine_process_ir vs $process_ir instructions)" >&2
fi
if ((pipeline_ir < engine_ir)); then
    echo "callgrind.sh: warning: pipeline counted fewer instructions than the engine alone" >&2
fi

echo "input: $samples samples (typical profile, seed 11, 1 kHz, fixed), blocks of 32, wait $wait_name"
echo "engine: $engine_ir instructions in run_engine (Engine::process $(per_sample "$engine_process_ir")/sample, caller loop $(per_sample $((engine_ir - engine_process_ir)))/sample)"
echo "instructions_per_sample: $(per_sample "$engine_ir")"
echo "pipeline producer thread (run_pipeline): $(per_sample "$producer_ir")/sample =" \
    "start $(per_sample "$start_ir") (allocation, spawn; once per run)" \
    "+ feed_unpaced $(per_sample "$feed_ir") + close/join $(per_sample $((producer_ir - start_ir - feed_ir)))"
echo "pipeline engine thread: $(per_sample "$thread_ir")/sample =" \
    "Engine::process $(per_sample "$process_ir")" \
    "+ publishing percentiles $(per_sample "$publish_ir")" \
    "+ waiting $(per_sample "$wait_ir")" \
    "+ drain loop, histograms, counters, thread $(per_sample $((thread_ir - process_ir - publish_ir - wait_ir)))"
echo "pipeline with a bare SensorProducer::push per block instead of feed_unpaced:" \
    "$(per_sample $((b_producer_ir + b_thread_ir)))/sample, producer $(per_sample "$b_producer_ir")" \
    "(push loop $(per_sample "$b_feed_ir")), engine thread $(per_sample "$b_thread_ir")," \
    "overhead $(per_sample $((b_producer_ir + b_thread_ir - engine_ir)))"
echo "pipeline_overhead_per_sample: $(per_sample $((pipeline_ir - engine_ir)))" \
    "(without the one-off start: $(per_sample $((pipeline_ir - engine_ir - start_ir))))"
echo "pipeline_instructions_per_sample: $(per_sample "$pipeline_ir")"
