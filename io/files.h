/* rnnfx — the one way the library and the programs touch files.
 *
 * Every file rnnfx reads goes through rfx_in_open(): regular files only (a FIFO, a device or a
 * directory is refused before anything can block on it), within a size bound, and remembered as an
 * input of this process. Every file rnnfx writes goes through the writer below: the data goes to a
 * temporary file created exclusively (never through a planted symlink) in the destination's folder,
 * is fsync'ed, and is renamed over the destination only if that destination is not one of this
 * process's inputs (same device and inode, whatever the names) and is not something other than a
 * regular file (a device node, a FIFO, a symlink, a folder).
 *
 * POSIX only; nothing here knows of models, audio or hosts. Errors fill `err` with a sentence that
 * names the file and the system's reason (strerror). None of this is for an audio thread.
 */
#ifndef RFX_FILES_H
#define RFX_FILES_H

#include <stddef.h>
#include <stdio.h>

/* Flags for rfx_in_open. */
enum {
	/* The program may later write this very file (a checkpoint it resumes from and updates):
	 * do not count it as an input the writer must protect. */
	RFX_IN_REPLACEABLE = 1
};

/* What rfx_in_open and rfx_in_read return for a file past `max_bytes` (other failures: -1). */
#define RFX_IN_TOO_LARGE (-2)

/* Opens `path` for reading: returns a blocking, close-on-exec descriptor, or -1 with `err` filled.
 * Refused: anything but a regular file, and a file of more than `max_bytes` (0: no bound:
 * RFX_IN_TOO_LARGE). */
int rfx_in_open(const char *path, unsigned long long max_bytes, int flags, char *err,
		size_t err_size);

/* The whole of a file, through rfx_in_open. *data is malloc'd, NUL-terminated (not counted in
 * *len); the caller frees it. Returns 0, or -1 with `err` filled. */
int rfx_in_read(const char *path, unsigned long long max_bytes, int flags, char **data,
		size_t *len, char *err, size_t err_size);

/* Whether `path` may be written: the destination is not an input of this process, is a regular
 * file if it exists, and its folder takes a new file (tried with a temporary file). Programs call
 * it for every output before long work, so a bad output is found before an hour of training. */
int rfx_out_check(const char *path, char *err, size_t err_size);

/* An output file being written. */
typedef struct {
	int fd;      /* the temporary file, -1 once committed or aborted */
	FILE *f;     /* a stdio stream on fd, from rfx_out_stream(), or NULL */
	char *path;  /* the destination */
	char *tmp;   /* the temporary file beside it */
} RfxOutFile;

/* Checks the destination (as rfx_out_check) and creates the temporary file. Returns 0 with o->fd
 * open, or -1 with `err` filled and nothing created. */
int rfx_out_begin(RfxOutFile *o, const char *path, char *err, size_t err_size);

/* A stdio stream on the temporary file (owned by `o`: commit or abort closes it), or NULL. */
FILE *rfx_out_stream(RfxOutFile *o);

/* Flushes, fsyncs and closes the temporary file, checks the destination again, and renames the
 * temporary file over it. Returns 0, or -1 with `err` filled and the temporary file removed. */
int rfx_out_commit(RfxOutFile *o, char *err, size_t err_size);

/* Removes the temporary file; the destination is untouched. Safe after a commit or a failed begin. */
void rfx_out_abort(RfxOutFile *o);

/* The whole of an output in one call: begin, write `len` bytes, commit. */
int rfx_out_write_file(const char *path, const void *data, size_t len, char *err,
		       size_t err_size);

/* "DIR/NAME", malloc'd (the caller frees it), or NULL when out of memory. */
char *rfx_path_join(const char *dir, const char *name);

#endif
