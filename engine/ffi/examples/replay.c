/* Replays a session file (CSV v1, DESIGN §3) through the letdown engine's C ABI and
 * prints every event, one line each, then the engine's counters:
 *
 *   replay SESSION.csv [BLOCK]
 *
 * BLOCK 0 or absent: one ld_process call per sample; BLOCK n: ld_process_block over
 * blocks of n samples (an events array of 4, so a block may take more than one call).
 * The engine lives in a static buffer: no heap anywhere. A row one and a half sample
 * periods or more after the previous one reports the whole samples in between as missing
 * (ld_process_gap), the rule of the Rust session reader.
 *
 * Event line: event INDEX KIND REASON CONFIDENCE then either "-" or
 * hint INDEX MODE VACUUM_MMHG RATE_CPM RAMP_CYCLES REASON CONFIDENCE CUE,
 * floats printed with 9 significant digits (exact for a float). */
#include "letdown.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Alignas(LD_ENGINE_ALIGN_MAX) unsigned char engine_memory[LD_ENGINE_SIZE_MAX];

#define MAX_BLOCK 4096
#define EVENTS_PER_CALL 4

static const char *const KIND[] = {"?", "onset", "end", "hint"};
static const char *const MODE[] = {"?", "stimulation", "expression", "pause"};
static const char *const REASON[] = {
    "?",           "letdown_detected", "flow_faded",       "fallback_timer", "over_vacuum",
    "sensor_fault", "stale_data",      "sensor_recovered", "late_letdown_cue", "session_end"};
static const char *const CUE[] = {"none", "relax", "baby_photo", "warmth", "massage"};

static void print_event(const ld_event *e) {
    printf("event %llu %s %s %.9g", (unsigned long long)e->sample_index, KIND[e->kind],
           REASON[e->reason], (double)e->confidence);
    if (e->has_hint) {
        const ld_hint *h = &e->hint;
        printf(" hint %llu %s %.9g %.9g %u %s %.9g %s\n",
               (unsigned long long)h->sample_index, MODE[h->mode],
               (double)h->target_vacuum_mmhg, (double)h->rate_cpm,
               (unsigned)h->ramp_cycles, REASON[h->reason], (double)h->confidence,
               CUE[h->cue]);
    } else {
        printf(" -\n");
    }
}

static int check(ld_status status, const char *what) {
    if (status < 0) {
        fprintf(stderr, "replay: %s: %s\n", what, ld_strerror(status));
        return 0;
    }
    return 1;
}

/* Feeds samples[0..n) through ld_process_block, printing the events. */
static int flush_block(ld_engine *engine, const ld_sample *samples, size_t n) {
    ld_event events[EVENTS_PER_CALL];
    while (n > 0) {
        size_t processed = 0, n_events = 0;
        ld_status s = ld_process_block(engine, samples, n, events, EVENTS_PER_CALL,
                                       &processed, &n_events);
        if (!check(s, "ld_process_block")) return 0;
        for (size_t i = 0; i < n_events; i++) print_event(&events[i]);
        samples += processed;
        n -= processed;
    }
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: replay SESSION.csv [BLOCK]\n");
        return 2;
    }
    long block = argc == 3 ? strtol(argv[2], NULL, 10) : 0;
    if (block < 0 || block > MAX_BLOCK) {
        fprintf(stderr, "replay: BLOCK must be 0 … %d\n", MAX_BLOCK);
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    if (ld_engine_size() > sizeof engine_memory) {
        fprintf(stderr, "replay: the engine needs %zu bytes\n", ld_engine_size());
        return 1;
    }
    char line[512];
    double rate = 0.0;
    while (fgets(line, sizeof line, f) && line[0] == '#') {
        sscanf(line, "# sample_rate_hz: %lf", &rate);
    }
    /* `line` now holds the header t_s,pressure_mmhg,flow_ml_min. */
    ld_config config = ld_config_default((float)rate);
    ld_engine *engine = NULL;
    if (!check(ld_engine_init(engine_memory, sizeof engine_memory, &config, &engine),
               "ld_engine_init"))
        return 2;

    static ld_sample pending[MAX_BLOCK];
    size_t queued = 0;
    unsigned long long next = 0;
    double previous_t = -1.0;
    ld_event event;
    while (fgets(line, sizeof line, f)) {
        char *end;
        double t = strtod(line, &end);
        float pressure = strtof(end + 1, &end);
        float flow = strtof(end + 1, &end);
        double position = t * rate;
        double step = previous_t < 0.0 ? position + 1.0 : (t - previous_t) * rate;
        double behind = round(position - (double)next);
        unsigned long long missing = step >= 1.5 && behind > 0.0 ? (unsigned long long)behind : 0;
        previous_t = t;
        if (missing > 0) {
            if (!flush_block(engine, pending, queued)) return 1;
            queued = 0;
            ld_status s = ld_process_gap(engine, missing, &event);
            if (!check(s, "ld_process_gap")) return 1;
            if (s == LD_EVENT) print_event(&event);
            next += missing;
        }
        if (block == 0) {
            ld_status s = ld_process(engine, pressure, flow, &event);
            if (!check(s, "ld_process")) return 1;
            if (s == LD_EVENT) print_event(&event);
        } else {
            pending[queued].pressure_mmhg = pressure;
            pending[queued].flow_ml_min = flow;
            if (++queued == (size_t)block) {
                if (!flush_block(engine, pending, queued)) return 1;
                queued = 0;
            }
        }
        next += 1;
    }
    fclose(f);
    if (!flush_block(engine, pending, queued)) return 1;
    ld_stats stats;
    if (!check(ld_stats_get(engine, &stats), "ld_stats_get")) return 1;
    printf("stats samples %llu missing %llu cycles %llu pressure_faults %llu flow_faults %llu\n",
           (unsigned long long)stats.samples, (unsigned long long)stats.missing_samples,
           (unsigned long long)stats.cycles, (unsigned long long)stats.pressure_faults,
           (unsigned long long)stats.flow_faults);
    return 0;
}
