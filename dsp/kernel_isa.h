/* rnnfx — what every kernel source file shares, inference and training alike. Private to dsp/.
 *
 * A kernel is C compiled once per instruction set: the including file defines RFX_KSUFFIX
 * (generic, sse2, avx2) and every function it defines is named KFN(name), i.e. name_<suffix>.
 * Files for wider instruction sets get their compiler flags from the Makefile (-mavx2 -mfma
 * -ffp-contract=fast for the *_avx2 files), never from target pragmas, and are chosen at run time
 * from the one table in kernel_table.c. RFX_KERNEL_X86: the build has the x86 kernels. */
#ifndef RFX_KERNEL_ISA_H
#define RFX_KERNEL_ISA_H

#define RFX_KCAT2(a, b) a##_##b
#define RFX_KCAT(a, b) RFX_KCAT2(a, b)
#define KFN(name) RFX_KCAT(name, RFX_KSUFFIX)

#if defined(__x86_64__) || defined(__i386__)
#define RFX_KERNEL_X86 1
#else
#define RFX_KERNEL_X86 0
#endif

#endif
