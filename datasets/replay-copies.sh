#!/usr/bin/env bash
# The outside development set as other flow sensors, pressure sensors, tubing, rates and
# rhythms would have recorded it: every copy the detection documents replay (README,
# "Beyond the development set"; engine/docs/detection-quality.md, same heading), written
# by the `sensor_variant` and `resample` examples (adapters/io/examples: what each
# argument does) into target/dev-NAME, labels beside each session.
#
#   bash datasets/replay-copies.sh write [NAME...]   # write the copies (all 48: 5 GB)
#   bash datasets/replay-copies.sh replay [NAME...]  # replay each with --halves: its
#                                                    # even, odd and odd - even rows
#
# A detector change is checked against all of them: the false alarms and missed ejections
# per copy before and after (`letdown replay --detections-out` for the onsets). The noise
# the examples add is seeded by each session's place in its folder, so a copy's bytes
# are the same on every machine. A copy of a copy is written after the one it reads
# (asked for alone, the one it reads must have been written).
set -euo pipefail
cd "$(dirname "$0")/.."

dev=datasets/external-dev
# NAME, then the example and its arguments (IN_DIR OUT_DIR, then GAIN SIGMA [DRIFT
# PERIOD [TAU]] for sensor_variant, FACTOR for resample).
copies=(
    # The README's table: flow × gain, white noise, a drifting offset, a first-order lag.
    "noisy sensor_variant $dev target/dev-noisy 1 1.5"
    "gain05 sensor_variant $dev target/dev-gain05 0.5 0"
    "gain2 sensor_variant $dev target/dev-gain2 2 0"
    "drift sensor_variant $dev target/dev-drift 1 0 2 300"
    "smooth sensor_variant $dev target/dev-smooth 1 0 0 1 0.5"
    "lag1 sensor_variant $dev target/dev-lag1 1 0 0 1 1.0"
    "slow sensor_variant $dev target/dev-slow 1 0 0 1 2.0"
    "500 resample $dev target/dev-500 5"
    "1k resample $dev target/dev-1k 10"
    "1k-noisy sensor_variant target/dev-1k target/dev-1k-noisy 1 4.74"
    # Dropouts (held readings) as flow: noise, drift and lag put on them too.
    "noisy-f sensor_variant --held-as-flow $dev target/dev-noisy-f 1 1.5"
    "drift-f sensor_variant --held-as-flow $dev target/dev-drift-f 1 0 2 300"
    "smooth-f sensor_variant --held-as-flow $dev target/dev-smooth-f 1 0 0 1 0.5"
    "slow-f sensor_variant --held-as-flow $dev target/dev-slow-f 1 0 0 1 2.0"
    # Five more probes; more noise; a quarter of the flow.
    "g05n1 sensor_variant $dev target/dev-g05n1 0.5 1"
    "noisy3 sensor_variant $dev target/dev-noisy3 1 3"
    "drift60 sensor_variant $dev target/dev-drift60 1 0 2 60"
    "x-gain025 sensor_variant $dev target/dev-x-gain025 0.25 0"
    # Lags between 0.5 and 2 s, at 1000 Hz, with noise or coarse steps after them.
    "lag075 sensor_variant $dev target/dev-lag075 1 0 0 1 0.75"
    "lag15 sensor_variant $dev target/dev-lag15 1 0 0 1 1.5"
    "1k-lag1 sensor_variant target/dev-1k target/dev-1k-lag1 1 0 0 1 1"
    "lag1-n1 sensor_variant target/dev-lag1 target/dev-lag1-n1 1 1.0"
    "quiet05 sensor_variant --quantum 0.5 $dev target/dev-quiet05 1 0 0 1 1"
    # A flow sensor that reads exactly zero below a cutoff; coarse steps; slow refresh.
    "cut0 sensor_variant --cutoff 0 $dev target/dev-cut0 1 0"
    "cut05 sensor_variant --cutoff 0.5 $dev target/dev-cut05 1 0"
    "cut1 sensor_variant --cutoff 1 $dev target/dev-cut1 1 0"
    "cut2 sensor_variant --cutoff 2 $dev target/dev-cut2 1 0"
    "quant1 sensor_variant --quantum 1 $dev target/dev-quant1 1 0"
    "quant2 sensor_variant --quantum 2 $dev target/dev-quant2 1 0"
    "sh5 sensor_variant --refresh 5 $dev target/dev-sh5 1 0"
    "sh10 sensor_variant --refresh 10 $dev target/dev-sh10 1 0"
    "sh20 sensor_variant --refresh 20 $dev target/dev-sh20 1 0"
    "r20q05 sensor_variant --quantum 0.5 --refresh 20 $dev target/dev-r20q05 1 0"
    # Longer tubing; other pressure sensors; other rhythms.
    "delay2 sensor_variant --delay 2 $dev target/dev-delay2 1 0"
    "delay4 sensor_variant --delay 4 $dev target/dev-delay4 1 0"
    "d3lag05 sensor_variant --delay 3 $dev target/dev-d3lag05 1 0 0 1 0.5"
    "p-noise3 sensor_variant --pressure 1,0,3,0 $dev target/dev-p-noise3 1 0"
    "p-noise16 sensor_variant --pressure 1,0,16,0 $dev target/dev-p-noise16 1 0"
    "p-mix sensor_variant --pressure 0.9,5,3,0.05 $dev target/dev-p-mix 1 0"
    "slower125 resample --slower 1.25 $dev target/dev-slower125 5"
    "faster087 resample --slower 0.87 $dev target/dev-faster087 5"
    # Two departures at once.
    "c-noisy-sh10 sensor_variant --refresh 10 $dev target/dev-c-noisy-sh10 1 1.5"
    "c-gain2-p3 sensor_variant --pressure 1,0,3,0.05 $dev target/dev-c-gain2-p3 2 0"
    "c-slow-noisy sensor_variant target/dev-slower125 target/dev-c-slow-noisy 1 1.5"
    "c-500-gain05-noisy sensor_variant target/dev-500 target/dev-c-500-gain05-noisy 0.5 1"
    "c-1k-drift-lag sensor_variant target/dev-1k target/dev-c-1k-drift-lag 1 2 2 300 0.5"
    "c-smooth-q sensor_variant --quantum 0.5 $dev target/dev-c-smooth-q 1 0 0 1 0.5"
    "c-drift-delay sensor_variant --delay 2 $dev target/dev-c-drift-delay 1 1.5 2 300"
)

# Whether copy `$1` is among the names asked for (all when none are).
wanted() {
    local name=$1
    shift
    [[ $# -eq 0 ]] && return 0
    local n
    for n in "$@"; do
        [[ $n == "$name" ]] && return 0
    done
    return 1
}

write() {
    cargo build --quiet --release -p letdown-io --examples
    local line name example args word
    for line in "${copies[@]}"; do
        read -r name example args <<<"$line"
        wanted "$name" "$@" || continue
        for word in $args; do
            # The first folder named is the one read.
            if [[ $word == datasets/* || $word == target/* ]]; then
                [[ -d $word ]] || { echo "dev-$name reads $word: write it first" >&2; exit 1; }
                break
            fi
        done
        echo "dev-$name: $example $args"
        # shellcheck disable=SC2086 # the arguments are words
        target/release/examples/$example $args >/dev/null
    done
}

replay() {
    cargo build --quiet --release -p letdown-cli
    local line name rows
    for line in "${copies[@]}"; do
        read -r name _ <<<"$line"
        wanted "$name" "$@" || continue
        if [[ ! -d target/dev-$name ]]; then
            echo "dev-$name: not written (bash datasets/replay-copies.sh write $name)" >&2
            exit 1
        fi
        rows=$(target/release/letdown replay "target/dev-$name" --quiet --halves)
        grep -E '^all (even|odd)' <<<"$rows" | sed "s/^/dev-$name  /" ||
            echo "dev-$name: no labelled session replayed" >&2
    done
}

case "${1:-}" in
    write | replay)
        command=$1
        shift
        "$command" "$@"
        ;;
    *)
        echo "usage: bash datasets/replay-copies.sh write|replay [NAME...]" >&2
        exit 2
        ;;
esac
