/* A small probe of one core's floating-point limit: independent vector multiply-adds, as many
 * chains as hide the FMA latency, for a fixed time. */
#ifndef RFX_BENCH_PEAK_H
#define RFX_BENCH_PEAK_H
#include <stdio.h>
double rfx_bench_peak_gflops(void);
/* One line naming the machine: CPU model (family/model), its vector units, L1d and L2 per core.
 * The benches print it first: figures from two machines are not comparable, and the VMs this
 * project is measured on change from one session to the next. */
void rfx_bench_print_machine(FILE *f);
#endif
