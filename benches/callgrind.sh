#!/usr/bin/env bash
# Instructions per sample of the engine alone and through the lock-free pipeline, counted
# by callgrind on a fixed input (benches/callgrind_input.rs: ten minutes of a typical
# simulated 1 kHz session, seed 11, 600 000 samples, generated before anything is
# counted). Instruction counts repeat from run to run on a shared machine; wall times do
# not (DESIGN §6).
#
#   bash benches/callgrind.sh            # needs valgrind (callgrind, callgrind_annotate)
#
# Run 1: `--toggle-collect` on `run_engine` (the engine, sample by sample): everything
#   counted is the engine and its loop.
# Run 2, the pipeline figure (`--separate-threads=yes`, one profile per thread): the
#   input pushed in blocks of 32 with a bare `SensorProducer::push` each, as a sensor
#   interrupt would (its clock read included), in lockstep: after each push the main
#   thread waits until the engine thread has processed it, so every look of the engine
#   thread at the queue finds one slot, as in a paced stream, and pays its per-look
#   costs for one block (the worst case; flat out they are shared by many slots). Counted:
#   on the main thread `pipeline::start` (allocations, thread spawn; once per run), the
#   pushes (`push_one`, called once per block), `finish` (close, join, reading the hints;
#   once per run), not the harness's lockstep loop and waiting (`wait_processed`); the whole engine thread less its
#   waiting for data (`EngineLoop::idle`: the wait strategy, sched_yield here, and the
#   looks at the queue between waits; idle time, not per-sample work, and how often it
#   polls depends on the scheduling):
#   drain, Engine::process, histograms (the hdrhistograms and the live ones stats()
#   reads), counters, its run loop, the exact percentiles computed once at the end, its
#   start and exit.
# Run 3: the same flat out (the bare pushes back to back, wait predict): the engine
#   thread takes many slots per look. Printed on its own line.
# Run 4: as run 3 with `letdown_io::feed::feed_unpaced` in place of the bare push loop. The feed
#   also reads the clock after every push and records its duration into a histogram:
#   that is measurement, not pipeline, so it is not in the pipeline figure; its extra
#   cost over the bare push loop is printed on its own line.
# In every run the queue holds the whole input: callgrind runs one thread at a time, and
# no instruction is spent waiting on a full queue.
#
# Prints `instructions_per_sample: N`, a breakdown, the one-off costs (start, spawn, close,
# join, the final percentiles, the engine thread's own start and exit) on their own line,
# `pipeline_overhead_per_sample: M-N` (and the same without the one-offs), and as its
# last line `pipeline_instructions_per_sample: M`, run 2's count (one-offs included) over
# the samples. The profiles stay in target/callgrind/ for callgrind_annotate.
# Targets (the real-time budget, README): N ≤ 200, M − N ≤ 20 (blocks of 32, steady state).
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
rm -f "$out"/engine.out* "$out"/pipeline*.out*

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

# Runs 2 to 4: the same input through the pipeline. Sets
# <prefix>_{producer,start,feed,finish,harness,thread,run,process,publish,wait}.
pipeline_run() {
    local mode=$1 prefix=$2 feed_fn=$3 f main
    valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$out/$mode.out" \
        "$exe" "$mode" >"$out/$mode.stdout" 2>"$out/$mode.valgrind"
    main=$(grep -l '^thread: 1$' "$out/$mode".out-*)
    local producer start feed finish harness thread=0 run=0 process=0 publish=0 wait=0
    producer=$(inclusive "$main" callgrind_input::run_pipeline)
    start=$(inclusive "$main" letdown_pipeline::start)
    feed=$(inclusive "$main" "$feed_fn")
    finish=$(inclusive "$main" callgrind_input::finish)
    harness=$(inclusive "$main" callgrind_input::wait_processed)
    for f in "$out/$mode".out-*; do
        [[ "$f" == "$main" ]] && continue
        thread=$((thread + $(total "$f")))
        run=$((run + $(inclusive "$f" letdown_pipeline::engine_thread::EngineLoop::run)))
        process=$((process + $(inclusive "$f" letdown_engine::engine::Engine::process)))
        publish=$((publish + $(inclusive "$f" letdown_pipeline::latency::Percentiles::of)))
        wait=$((wait + $(inclusive "$f" letdown_pipeline::engine_thread::EngineLoop::idle)))
    done
    local v
    for v in producer start feed finish harness thread run process publish wait; do
        printf -v "${prefix}_$v" %s "${!v}"
    done
}
pipeline_run pipeline p callgrind_input::push_one
pipeline_run pipeline-flat q callgrind_input::push_blocks
pipeline_run pipeline-feed u letdown_io::feed::feed_unpaced
wait_name=$(awk '/^pipeline_wait:/ { print $2 }' "$out/pipeline.stdout")
flat_wait=$(awk '/^pipeline-flat_wait:/ { print $2 }' "$out/pipeline-flat.stdout")

# Run 2: the pushes, start and finish on the main thread (not the harness's lockstep
# loop and waiting), the engine thread less its waiting.
p_side=$((p_feed + p_start + p_finish))
pipeline_ir=$((p_side + p_thread - p_wait))
flat_ir=$((q_producer + q_thread - q_wait))
# Once per run, whatever the input's length: start (allocations, spawn), finish (close,
# join), the exact percentiles published at the end (Percentiles::of, only called then),
# and the engine thread's own start and exit (its total outside EngineLoop::run).
oneoff_ir=$((p_start + p_finish + p_publish + p_thread - p_run))
flat_oneoff_ir=$((q_start + q_finish + q_publish + q_thread - q_run))
blocks=$(((samples + 31) / 32))

# Every count the figures add up must have been found: `inclusive` gives 0 for a name it
# does not find (a function renamed or moved), which would drop its cost silently. (The
# flat run's engine thread never waits: its idle time is rightly 0, and not checked.)
for v in samples engine_ir engine_process_ir p_producer p_start p_feed p_finish p_thread \
    p_run p_process p_publish p_wait q_producer q_start q_finish q_thread q_run q_process \
    q_publish; do
    if ((${!v} == 0)); then
        echo "callgrind.sh: no count for $v: a function it adds up was not found in the" \
            "profiles (renamed or moved?); see $out/*.valgrind" >&2
        exit 1
    fi
done
if ((p_process != engine_process_ir || q_process != engine_process_ir)); then
    echo "callgrind.sh: warning: Engine::process differs between the runs" \
        "($engine_process_ir vs $p_process and $q_process instructions)" >&2
fi
if ((pipeline_ir < engine_ir)); then
    echo "callgrind.sh: warning: pipeline counted fewer instructions than the engine alone" >&2
fi

echo "input: $samples samples (typical profile, seed 11, 1 kHz, 10 min, fixed), blocks of 32 ($blocks pushes)"
echo "engine: $engine_ir instructions in run_engine (Engine::process $(per_sample "$engine_process_ir")/sample, caller loop $(per_sample $((engine_ir - engine_process_ir)))/sample)"
echo "instructions_per_sample: $(per_sample "$engine_ir")"
echo "pipeline, lockstep (one slot per look, wait $wait_name): producer side $(per_sample "$p_side")/sample =" \
    "pushes $(per_sample "$p_feed") ($((p_feed / blocks)) per push, clock read included)" \
    "+ start $(per_sample "$p_start") + close/join $(per_sample "$p_finish")" \
    "[harness left out: lockstep loop $(per_sample $((p_producer - p_harness - p_side))), waiting $(per_sample "$p_harness")]"
p_around=$((p_run - p_process - p_publish - p_wait))
q_around=$((q_run - q_process - q_publish - q_wait))
echo "pipeline, lockstep: engine thread $(per_sample $((p_thread - p_wait)))/sample =" \
    "Engine::process $(per_sample "$p_process")" \
    "+ around it (slot loop, clock, histograms, counters, queue indices, run loop) $(per_sample "$p_around")" \
    "($((p_around / blocks)) per slot, one slot per look)" \
    "+ final percentiles $(per_sample "$p_publish")" \
    "+ thread start/exit $(per_sample $((p_thread - p_run)))" \
    "[waiting for data left out: $(per_sample "$p_wait")]"
echo "pipeline, flat out (wait $flat_wait): $(per_sample "$flat_ir")/sample, overhead $(per_sample $((flat_ir - engine_ir)))" \
    "(pushes $(per_sample "$q_feed"), engine thread $(per_sample $((q_thread - q_wait))) with" \
    "$(per_sample "$q_around") around Engine::process;" \
    "one-offs $(per_sample "$flat_oneoff_ir"))"
echo "feed_unpaced instead of the bare push loop (times every push into a histogram; measurement, not pipeline):" \
    "$(per_sample "$u_feed")/sample vs $(per_sample "$q_feed"), extra $(per_sample $((u_feed - q_feed)))/sample"
echo "one-off costs (start, spawn, close, join, final percentiles, engine thread start/exit): $oneoff_ir instructions," \
    "$(per_sample "$oneoff_ir")/sample over this input"
echo "pipeline_overhead_per_sample: $(per_sample $((pipeline_ir - engine_ir)))" \
    "(steady state, without the one-off costs: $(per_sample $((pipeline_ir - engine_ir - oneoff_ir))))"
echo "pipeline_instructions_per_sample: $(per_sample "$pipeline_ir")"
