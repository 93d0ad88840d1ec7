/* A small probe of one core's floating-point limit: independent vector multiply-adds, as many
 * chains as hide the FMA latency, for a fixed time. */
#ifndef RFX_BENCH_PEAK_H
#define RFX_BENCH_PEAK_H
double rfx_bench_peak_gflops(void);
#endif
