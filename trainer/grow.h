/* rnnfx-train — the growing arrays of the readers and the metrics (history points, hits, latencies):
 * room for one more element, the capacity doubling. Header-only, like error.h, so that the files
 * the fuzz targets and unit tests compile alone need no further object.
 */
#ifndef TRN_GROW_H
#define TRN_GROW_H

#include <stdlib.h>

/* The array `v` (*cap elements of `size` bytes, n of them in use) with room for element n: v
 * itself while n < *cap, else v reallocated to twice *cap (`first` when *cap is 0), *cap updated.
 * NULL out of memory, v and *cap then unchanged. */
static inline void *trn_grow(void *v, size_t n, size_t *cap, size_t size, size_t first)
{
	if (n < *cap)
		return v;
	const size_t c = *cap ? 2 * *cap : first;
	void *nv = realloc(v, c * size);
	if (nv)
		*cap = c;
	return nv;
}

#endif
