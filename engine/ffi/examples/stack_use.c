/* Measures the stack the engine's C calls use, by painting: each phase runs on a thread
 * whose stack (our own buffer) was filled with a pattern first; afterwards the deepest
 * byte that no longer holds the pattern tells how much the thread used. A thread that does
 * nothing is measured the same way and subtracted (the C library's thread start and
 * thread-local storage live on that stack too), so each figure is the engine call's own
 * stack plus this program's small loop around it.
 *
 *   stack_use          prints: stack_bytes init N process N process_block N process_gap N
 *                      and the events the per-sample phase saw
 *
 * The input: four minutes of a synthetic 1 kHz pump stream (pressure at 110 cycles/min,
 * an ejection's flow rising from 60 s with the pump's pulsation, a NaN burst at 100 s),
 * so detection, the session machine and the sensor-fault path all run. */
#define _POSIX_C_SOURCE 200809L /* pthread_attr_setstack */
#include "letdown.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RATE_HZ 1000.0f
#define SECONDS 240
#define STACK_BYTES (1u << 20)
#define PATTERN 0xA5

static _Alignas(LD_ENGINE_ALIGN_MAX) unsigned char engine_memory[LD_ENGINE_SIZE_MAX];
static _Alignas(64) unsigned char stack[STACK_BYTES];
static ld_engine *engine;
static unsigned long events_seen;

static ld_sample sample_at(unsigned long i) {
    float t = (float)i / RATE_HZ;
    float phase = sinf(2.0f * 3.14159265f * 110.0f / 60.0f * t);
    float rise = fminf(fmaxf((t - 60.0f) / 10.0f, 0.0f), 1.0f);
    float noise = (float)((i * 7919u) % 101u) / 101.0f - 0.5f;
    float flow = rise * 25.0f * (1.0f + 0.5f * phase) + noise;
    if (t >= 100.0f && t < 100.3f) flow = NAN;
    ld_sample s = {-60.0f + 50.0f * phase, flow};
    return s;
}

static void nothing(void) {}

static void init(void) {
    ld_config config = ld_config_default(RATE_HZ);
    if (ld_engine_init(engine_memory, sizeof engine_memory, &config, &engine) != LD_OK) {
        fprintf(stderr, "stack_use: ld_engine_init failed\n");
        exit(1);
    }
}

static void per_sample(void) {
    ld_event event;
    for (unsigned long i = 0; i < (unsigned long)(SECONDS * RATE_HZ); i++) {
        ld_sample s = sample_at(i);
        if (ld_process(engine, s.pressure_mmhg, s.flow_ml_min, &event) == LD_EVENT) events_seen++;
    }
}

static void per_block(void) {
    ld_sample block[32];
    ld_event events[4];
    for (unsigned long i = 0; i < (unsigned long)(SECONDS * RATE_HZ); i += 32) {
        for (unsigned k = 0; k < 32; k++) block[k] = sample_at(i + k);
        size_t done = 0;
        while (done < 32) {
            size_t processed = 0, n_events = 0;
            if (ld_process_block(engine, block + done, 32 - done, events, 4, &processed,
                                 &n_events) != LD_OK) {
                fprintf(stderr, "stack_use: ld_process_block failed\n");
                exit(1); /* fail, never spin on a block that does not move */
            }
            done += processed;
        }
    }
}

static void gap(void) {
    ld_event event;
    ld_process_gap(engine, 500, &event);
}

static void *run(void *phase) {
    ((void (*)(void))phase)();
    return NULL;
}

/* Bytes of the painted stack `phase` used (the stack grows down from its top). */
static size_t used_by(void (*phase)(void)) {
    memset(stack, PATTERN, sizeof stack);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstack(&attr, stack, sizeof stack);
    pthread_t thread;
    if (pthread_create(&thread, &attr, run, (void *)phase) != 0) return 0;
    pthread_join(thread, NULL);
    pthread_attr_destroy(&attr);
    size_t untouched = 0;
    while (untouched < sizeof stack && stack[untouched] == PATTERN) untouched++;
    return sizeof stack - untouched;
}

int main(void) {
    size_t base = used_by(nothing);
    size_t init_bytes = used_by(init) - base;
    size_t process_bytes = used_by(per_sample) - base;
    unsigned long per_sample_events = events_seen;
    init();
    size_t block_bytes = used_by(per_block) - base;
    size_t gap_bytes = used_by(gap) - base;
    printf("stack_bytes init %zu process %zu process_block %zu process_gap %zu\n", init_bytes,
           process_bytes, block_bytes, gap_bytes);
    printf("events %lu engine_bytes %zu\n", per_sample_events, ld_engine_size());
    return 0;
}
