/* rnnfx — the input opener and the output writer (see files.h for the rules they keep). */
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void say(char *err, size_t n, const char *fmt, ...)
{
	if (!err || !n)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
}

/* The system's sentence for errno value e (XSI strerror_r: plugin instances may load at once). */
static const char *sys(int e, char *buf, size_t n)
{
	return strerror_r(e, buf, n) == 0 ? buf : "unknown error";
}
#define SYS(e) sys((e), eb, sizeof eb)

static const char *kind_of(mode_t m)
{
	if (S_ISDIR(m))
		return "a folder";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISLNK(m))
		return "a symbolic link";
	return "not a regular file";
}

/* ---------------------------------------------------------------- the inputs of this process */
/* Identified by device and inode, so another name (a hard link, "./x", a symlink) for an input is
 * still that input. Grows as needed; one entry per distinct file however often it is opened. */
typedef struct {
	dev_t dev;
	ino_t ino;
	struct timespec ctime; /* so a deleted input's inode, reused for a new file, is not it */
} FileId;

static int same_file(const FileId *id, const struct stat *sb)
{
	return id->dev == sb->st_dev && id->ino == sb->st_ino &&
	       id->ctime.tv_sec == sb->st_ctim.tv_sec && id->ctime.tv_nsec == sb->st_ctim.tv_nsec;
}

static pthread_mutex_t inputs_lock = PTHREAD_MUTEX_INITIALIZER;
static FileId *inputs;
static size_t n_inputs, cap_inputs;

static void remember_input(const struct stat *sb)
{
	pthread_mutex_lock(&inputs_lock);
	size_t i = 0;
	while (i < n_inputs && !same_file(&inputs[i], sb))
		i++;
	if (i == n_inputs) {
		if (n_inputs == cap_inputs) {
			size_t cap = cap_inputs ? 2 * cap_inputs : 16;
			FileId *p = realloc(inputs, cap * sizeof *p);
			if (p) {
				inputs = p;
				cap_inputs = cap;
			}
		}
		/* Out of memory: the file is opened all the same; only the protection is lost, and
		 * a program that cannot grow 16 bytes will fail its next allocation anyway. */
		if (n_inputs < cap_inputs)
			inputs[n_inputs++] = (FileId){ sb->st_dev, sb->st_ino, sb->st_ctim };
	}
	pthread_mutex_unlock(&inputs_lock);
}

/* The plugin is a shared object a host may unload: free the list with it, or each unload leaks it. */
__attribute__((destructor)) static void forget_inputs(void)
{
	free(inputs);
	inputs = NULL;
	n_inputs = cap_inputs = 0;
}

static int is_input(const struct stat *sb)
{
	pthread_mutex_lock(&inputs_lock);
	int found = 0;
	for (size_t i = 0; i < n_inputs && !found; i++)
		found = same_file(&inputs[i], sb);
	pthread_mutex_unlock(&inputs_lock);
	return found;
}

/* ---------------------------------------------------------------- reading */
int rfx_in_open(const char *path, unsigned long long max_bytes, int flags, char *err,
		size_t err_size)
{
	char eb[128];
	if (!path || !*path) {
		say(err, err_size, "no file name");
		return -1;
	}
	/* stat first, so a device is never even opened; then O_NONBLOCK, so a FIFO swapped in
	 * between cannot block the open, and fstat decides on what was actually opened. */
	struct stat sb;
	if (stat(path, &sb) != 0) {
		say(err, err_size, "cannot open '%s': %s", path, SYS(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		say(err, err_size, "'%s' is %s, not a regular file", path, kind_of(sb.st_mode));
		return -1;
	}
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		say(err, err_size, "cannot open '%s': %s", path, SYS(errno));
		return -1;
	}
	const char *why = NULL;
	if (fstat(fd, &sb) != 0)
		why = SYS(errno);
	else if (!S_ISREG(sb.st_mode))
		why = kind_of(sb.st_mode);
	else if (max_bytes && (unsigned long long)sb.st_size > max_bytes) {
		say(err, err_size, "'%s' has %lld bytes, more than the %llu allowed", path,
		    (long long)sb.st_size, max_bytes);
		close(fd);
		return RFX_IN_TOO_LARGE;
	} else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)
		why = SYS(errno);
	if (why) {
		say(err, err_size, "cannot read '%s': %s", path, why);
		close(fd);
		return -1;
	}
	if (!(flags & RFX_IN_REPLACEABLE))
		remember_input(&sb);
	return fd;
}

int rfx_in_read(const char *path, unsigned long long max_bytes, int flags, char **data,
		size_t *len, char *err, size_t err_size)
{
	char eb[128];
	*data = NULL;
	*len = 0;
	int fd = rfx_in_open(path, max_bytes, flags, err, err_size);
	if (fd < 0)
		return fd;
	struct stat sb;
	size_t cap = (fstat(fd, &sb) == 0 && sb.st_size > 0) ? (size_t)sb.st_size + 1 : 4096;
	char *buf = malloc(cap + 1);
	size_t n = 0;
	int e = buf ? 0 : ENOMEM;
	while (!e) {
		if (n == cap) { /* the file grew since fstat: grow, within the bound */
			size_t c = 2 * cap;
			char *p = realloc(buf, c + 1);
			if (!p) {
				e = ENOMEM;
				break;
			}
			buf = p;
			cap = c;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			e = errno;
		else if (r == 0)
			break;
		else
			n += (size_t)r;
		if (max_bytes && n > max_bytes) {
			close(fd);
			free(buf);
			say(err, err_size, "'%s' has more than the %llu bytes allowed", path, max_bytes);
			return RFX_IN_TOO_LARGE;
		}
	}
	close(fd);
	if (e) {
		free(buf);
		say(err, err_size, "cannot read '%s': %s", path, SYS(e));
		return -1;
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

/* ---------------------------------------------------------------- writing */
/* Whether an existing destination may be replaced; 1 when `path` does not exist yet. */
static int destination_ok(const char *path, mode_t *mode, char *err, size_t err_size)
{
	char eb[128];
	struct stat sb;
	if (!path || !*path || path[strlen(path) - 1] == '/') {
		say(err, err_size, "'%s' is not a file name", path ? path : "");
		return 0;
	}
	if (lstat(path, &sb) != 0) {
		if (errno == ENOENT)
			return 1;
		say(err, err_size, "cannot write '%s': %s", path, SYS(errno));
		return 0;
	}
	if (!S_ISREG(sb.st_mode)) {
		say(err, err_size, "refusing to write '%s': it exists and is %s", path,
		    kind_of(sb.st_mode));
		return 0;
	}
	if (is_input(&sb)) {
		say(err, err_size, "refusing to write '%s': it is also an input of this run", path);
		return 0;
	}
	if (mode)
		*mode = sb.st_mode & 07777;
	return 1;
}

/* "<folder>/.<name>.tmp-XXXXXX" beside `path`, for mkstemp; malloc'd. */
static char *temp_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
	size_t n = strlen(path) + 16;
	char *t = malloc(n);
	if (t)
		snprintf(t, n, "%.*s.%s.tmp-XXXXXX", (int)dir_len, path, path + dir_len);
	return t;
}

static int make_temp(const char *path, char **tmp, char *err, size_t err_size)
{
	char eb[128];
	*tmp = temp_name(path);
	if (!*tmp) {
		say(err, err_size, "cannot write '%s': out of memory", path);
		return -1;
	}
	int fd = mkstemp(*tmp); /* O_CREAT | O_EXCL: never follows or reuses what is there */
	if (fd < 0) {
		const char *slash = strrchr(path, '/');
		say(err, err_size, "cannot create a file in the folder '%.*s': %s",
		    slash ? (int)(slash - path + (slash == path)) : 1, slash ? path : ".", SYS(errno));
		free(*tmp);
		*tmp = NULL;
		return -1;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

int rfx_out_check(const char *path, char *err, size_t err_size)
{
	if (!destination_ok(path, NULL, err, err_size))
		return -1;
	char *tmp;
	int fd = make_temp(path, &tmp, err, err_size);
	if (fd < 0)
		return -1;
	close(fd);
	unlink(tmp);
	free(tmp);
	return 0;
}

int rfx_out_begin(RfxOutFile *o, const char *path, char *err, size_t err_size)
{
	*o = (RfxOutFile){ -1, NULL, NULL, NULL };
	mode_t u = umask(0);
	umask(u);
	mode_t mode = 0666 & ~u; /* what open(..., 0666) would have given a new file */
	if (!destination_ok(path, &mode, err, err_size))
		return -1;
	o->path = strdup(path);
	if (!o->path) {
		say(err, err_size, "cannot write '%s': out of memory", path);
		return -1;
	}
	o->fd = make_temp(path, &o->tmp, err, err_size);
	if (o->fd < 0) {
		free(o->path);
		o->path = NULL;
		return -1;
	}
	fchmod(o->fd, mode); /* mkstemp made it 0600 */
	return 0;
}

FILE *rfx_out_stream(RfxOutFile *o)
{
	if (!o->f && o->fd >= 0)
		o->f = fdopen(o->fd, "wb");
	return o->f;
}

static void release(RfxOutFile *o)
{
	if (o->f)
		fclose(o->f);
	else if (o->fd >= 0)
		close(o->fd);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	*o = (RfxOutFile){ -1, NULL, NULL, NULL };
}

void rfx_out_abort(RfxOutFile *o)
{
	if (o)
		release(o);
}

/* After a rename, the folder's entry must reach the disk too, or a crash can lose the new name. */
static void sync_folder(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int rfx_out_commit(RfxOutFile *o, char *err, size_t err_size)
{
	char eb[128];
	if (!o->tmp) {
		say(err, err_size, "nothing to write");
		return -1;
	}
	int e = 0;
	if (o->f && (fflush(o->f) != 0 || ferror(o->f)))
		e = errno ? errno : EIO;
	if (!e && fsync(o->fd) != 0)
		e = errno;
	int c = o->f ? fclose(o->f) : close(o->fd);
	if (c != 0 && !e)
		e = errno;
	o->f = NULL;
	o->fd = -1;
	if (e) {
		say(err, err_size, "cannot write '%s': %s", o->path, SYS(e));
		release(o);
		return -1;
	}
	/* Checked again: the destination may have become something else while we wrote. */
	if (!destination_ok(o->path, NULL, err, err_size)) {
		release(o);
		return -1;
	}
	if (rename(o->tmp, o->path) != 0) {
		say(err, err_size, "cannot write '%s': %s", o->path, SYS(errno));
		release(o);
		return -1;
	}
	sync_folder(o->path);
	free(o->tmp);
	o->tmp = NULL;
	release(o);
	return 0;
}

int rfx_out_write_file(const char *path, const void *data, size_t len, char *err,
		       size_t err_size)
{
	char eb[128];
	RfxOutFile o;
	if (rfx_out_begin(&o, path, err, err_size) != 0)
		return -1;
	const char *p = data;
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(o.fd, p + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			say(err, err_size, "cannot write '%s': %s", path,
			    SYS(w < 0 ? errno : ENOSPC));
			rfx_out_abort(&o);
			return -1;
		}
		done += (size_t)w;
	}
	return rfx_out_commit(&o, err, err_size);
}

char *rfx_path_join(const char *dir, const char *name)
{
	const size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}
