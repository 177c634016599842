/* The per-sample loop through the C ABI, for measure.sh's comparison with the same loop
 * in Rust (per_sample.rs): read a session file's samples into memory, then `run` calls
 * ld_process once per sample. callgrind counts `run` alone; the Rust program's `run_call`
 * does the same with Engine::process, so the difference per sample is what the C ABI
 * costs over the Rust call.
 *
 *   per_sample SESSION.csv     prints: samples N events N last_event_index N
 *
 * Gaps in the file are ignored (both programs feed the rows as they are). */
#include "letdown.h"

#include <stdio.h>
#include <stdlib.h>

#define MAX_SAMPLES (1u << 20)

static _Alignas(LD_ENGINE_ALIGN_MAX) unsigned char engine_memory[LD_ENGINE_SIZE_MAX];
static ld_sample samples[MAX_SAMPLES];

/* One ld_process call per sample; counts the events and keeps the last one's index. */
__attribute__((noipa)) unsigned long run(ld_engine *engine, const ld_sample *s, size_t n,
                                       unsigned long long *last);
unsigned long run(ld_engine *engine, const ld_sample *s, size_t n, unsigned long long *last) {
    unsigned long events = 0;
    ld_event event;
    for (size_t i = 0; i < n; i++) {
        if (ld_process(engine, s[i].pressure_mmhg, s[i].flow_ml_min, &event) == LD_EVENT) {
            events++;
            *last = event.sample_index;
        }
    }
    return events;
}

int main(int argc, char **argv) {
    FILE *f = argc == 2 ? fopen(argv[1], "r") : NULL;
    if (!f) {
        fprintf(stderr, "usage: per_sample SESSION.csv\n");
        return 2;
    }
    char line[512];
    double rate = 0.0;
    while (fgets(line, sizeof line, f) && line[0] == '#') sscanf(line, "# sample_rate_hz: %lf", &rate);
    size_t n = 0;
    while (n < MAX_SAMPLES && fgets(line, sizeof line, f)) {
        char *end;
        strtod(line, &end);
        samples[n].pressure_mmhg = strtof(end + 1, &end);
        samples[n].flow_ml_min = strtof(end + 1, &end);
        n++;
    }
    fclose(f);
    ld_config config = ld_config_default((float)rate);
    ld_engine *engine = NULL;
    ld_status s = ld_engine_init(engine_memory, sizeof engine_memory, &config, &engine);
    if (s != LD_OK) {
        fprintf(stderr, "per_sample: %s\n", ld_strerror(s));
        return 1;
    }
    unsigned long long last = 0;
    unsigned long events = run(engine, samples, n, &last);
    printf("samples %zu events %lu last_event_index %llu\n", n, events, last);
    return 0;
}
