#!/usr/bin/env bash
# Regenerates the bundled sessions in this folder with the project's own simulator
# (`letdown simulate`). Kept small (100–250 Hz, a few minutes each) so the repository stays
# a few MB; generate larger sets on demand.
#
# The files here were made by the simulator as it was before its everyday phenomena and
# label refinements (their headers say `# messy: true`), and tests and the README pin what
# the engine finds in them (the CLI's replay tests, the C example's events, the Python
# and fleet tests). Today's
# simulator makes other sessions from the same commands, so running this replaces those
# fixed inputs: the pinned figures then have to be measured again.
set -euo pipefail
cd "$(dirname "$0")"
rm -f ./*.csv
sim() { cargo letdown simulate --out . "$@"; }
sim --profile typical    --seed 11 --rate 100 --minutes 8
sim --profile relaxed    --seed 12 --rate 100 --minutes 6 --program button
sim --profile stressed   --seed 13 --rate 100 --minutes 8
sim --profile no-letdown --seed 14 --rate 100 --minutes 5
sim --profile typical    --seed 15 --rate 250 --minutes 4 \
    --faults dropout,stuck,saturation,spikes,bubbles,overvacuum,drift,gain
sim --profile typical    --seed 16 --rate 100 --minutes 6 --program expression-only
