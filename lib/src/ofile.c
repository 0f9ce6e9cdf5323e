/* topomix — output files that never destroy what was there: written beside the target, renamed into
 * place only once the work succeeded.
 *
 * A regular target (or a new one) is written to an unnamed file in the target's directory
 * (O_TMPFILE, so a killed process leaves nothing behind; a named ".NAME.XXXXXX" file where the
 * filesystem has no O_TMPFILE), linked under a temporary name and renamed over the target on commit:
 * readers see the old file or the new one, never a half-written one. A target that exists but is not
 * a regular file (/dev/null, /dev/full, a FIFO, a terminal) is written through, never replaced; a
 * directory is refused. A symbolic link is followed: its target is replaced, the link kept. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { OF_UNNAMED, OF_NAMED, OF_THROUGH };

static char *dup_str(const char *s)
{
    size_t len = strlen(s) + 1;
    char *d = malloc(len);
    if (d) memcpy(d, s, len);
    return d;
}

/* The path to replace: path itself, or what its chain of symbolic links points to (a dangling link
 * names the file to create). */
static char *resolve_target(const char *path)
{
    char *real = realpath(path, NULL);
    if (real) return real;
    char buf[PATH_MAX];
    ssize_t len = readlink(path, buf, sizeof buf - 1);
    if (len <= 0) return dup_str(path);
    buf[len] = '\0';
    if (buf[0] == '/') return dup_str(buf);
    /* relative to the link's directory */
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    char *out = malloc(dirlen + (size_t)len + 1);
    if (!out) return NULL;
    memcpy(out, path, dirlen);
    memcpy(out + dirlen, buf, (size_t)len + 1);
    return out;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return dup_str(".");
    if (slash == path) return dup_str("/");
    char *d = malloc((size_t)(slash - path) + 1);
    if (!d) return NULL;
    memcpy(d, path, (size_t)(slash - path));
    d[slash - path] = '\0';
    return d;
}

/* "DIR/.BASE.XXXXXX" for mkstemp */
static char *temp_template(const char *target)
{
    const char *slash = strrchr(target, '/');
    const char *base = slash ? slash + 1 : target;
    size_t dirlen = slash ? (size_t)(slash - target) + 1 : 0;
    size_t len = dirlen + 1 + strlen(base) + 8;
    char *t = malloc(len);
    if (!t) return NULL;
    snprintf(t, len, "%.*s.%s.XXXXXX", (int)dirlen, target, base);
    return t;
}

static mode_t default_mode(void)
{
    mode_t mask = umask(0);
    umask(mask);
    return (mode_t)(0666 & ~mask);
}

static void of_clear(tmx__ofile *o)
{
    free(o->path);
    free(o->target);
    free(o->tmpname);
    memset(o, 0, sizeof *o);
    o->fd = -1;
}

tmx_status tmx__ofile_open(tmx__ofile *o, const char *path, unsigned flags)
{
    memset(o, 0, sizeof *o);
    o->fd = -1;
    o->flags = flags;
    o->path = dup_str(path);
    if (!o->path) return tmx__error(TMX_ENOMEM, "out of memory");
    struct stat st;
    int exists = stat(path, &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) {
        of_clear(o);
        return tmx__error(TMX_EINVAL, "cannot write %s: it is a directory", path);
    }
    if (exists && !S_ISREG(st.st_mode)) {
        /* a device, FIFO or socket: write through it; replacing it would destroy it */
        o->kind = OF_THROUGH;
        o->fd = open(path, O_WRONLY | O_CLOEXEC);
        if (o->fd < 0) {
            int e = errno;
            of_clear(o);
            return tmx__error(TMX_ESYS, "cannot write %s: %s", path, strerror(e));
        }
    } else {
        o->target = resolve_target(path);
        char *dir = o->target ? dir_of(o->target) : NULL;
        if (!dir) {
            of_clear(o);
            return tmx__error(TMX_ENOMEM, "out of memory");
        }
        mode_t mode = exists ? (st.st_mode & 07777) : default_mode();
        int e = 0;
#ifdef O_TMPFILE
        o->fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
        if (o->fd >= 0) {
            o->kind = OF_UNNAMED;
            (void)fchmod(o->fd, mode); /* O_TMPFILE applies the umask; keep the replaced file's mode */
        } else {
            e = errno;
        }
#else
        e = EOPNOTSUPP;
#endif
        if (o->fd < 0 && (e == EOPNOTSUPP || e == EISDIR || e == EINVAL || e == ENOSYS)) {
            o->tmpname = temp_template(o->target);
            if (!o->tmpname) {
                free(dir);
                of_clear(o);
                return tmx__error(TMX_ENOMEM, "out of memory");
            }
            o->fd = mkstemp(o->tmpname);
            e = errno;
            if (o->fd >= 0) {
                o->kind = OF_NAMED;
                (void)fchmod(o->fd, mode);
            }
        }
        free(dir);
        if (o->fd < 0) {
            of_clear(o);
            return tmx__error(TMX_ESYS, "cannot write %s: %s", path, strerror(e));
        }
    }
    o->f = fdopen(o->fd, (flags & TMX__OF_BINARY) ? "wb" : "w");
    if (!o->f) {
        int e = errno;
        close(o->fd);
        if (o->kind == OF_NAMED) unlink(o->tmpname);
        of_clear(o);
        return tmx__error(TMX_ESYS, "cannot write %s: %s", path, strerror(e));
    }
    if ((flags & TMX__OF_EARLY) && o->kind != OF_THROUGH && stat(o->target, &st) != 0 && errno == ENOENT) {
        /* nothing to lose at the target: give the file its name now, so that it can be followed
         * while it is written (a log); link() refuses if something appeared there meanwhile */
        int linked;
        if (o->kind == OF_UNNAMED) {
            char proc[64];
            snprintf(proc, sizeof proc, "/proc/self/fd/%d", o->fd);
            linked = linkat(AT_FDCWD, proc, AT_FDCWD, o->target, AT_SYMLINK_FOLLOW) == 0;
        } else {
            linked = link(o->tmpname, o->target) == 0;
            if (linked) unlink(o->tmpname);
        }
        if (linked) {
            o->committed = 1;
            o->kind = OF_THROUGH;
        }
    }
    return TMX_OK;
}

/* The write error of the stream, as the system reported it. */
static tmx_status write_failed(tmx__ofile *o, int e)
{
    o->failed = 1;
    return tmx__error(TMX_ESYS, "writing %s failed: %s", o->path, strerror(e ? e : EIO));
}

tmx_status tmx__ofile_check(tmx__ofile *o)
{
    if (o->failed) return tmx__error(TMX_ESYS, "writing %s failed", o->path);
    errno = 0;
    if (fflush(o->f) != 0 || ferror(o->f)) return write_failed(o, errno);
    return TMX_OK;
}

tmx_status tmx__ofile_commit(tmx__ofile *o)
{
    tmx_status st = tmx__ofile_check(o);
    if (st != TMX_OK) return st;
    /* fsync so that the rename never publishes a file whose data a crash could lose */
    if ((o->flags & TMX__OF_SYNC) && fsync(o->fd) != 0 && errno != EINVAL && errno != EROFS)
        return write_failed(o, errno);
    if (o->committed || o->kind == OF_THROUGH) {
        o->committed = 1;
        return TMX_OK;
    }
    if (o->kind == OF_UNNAMED) {
        /* an unnamed file needs a name before it can be renamed over the target */
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", o->fd);
        for (int attempt = 0; !o->tmpname; attempt++) {
            char *t = temp_template(o->target);
            if (!t) return tmx__error(TMX_ENOMEM, "out of memory");
            int fd = mkstemp(t); /* reserve a unique name, then link over it */
            if (fd < 0) {
                int e = errno;
                free(t);
                return write_failed(o, e);
            }
            close(fd);
            unlink(t);
            if (linkat(AT_FDCWD, proc, AT_FDCWD, t, AT_SYMLINK_FOLLOW) == 0) {
                o->tmpname = t;
            } else {
                int e = errno;
                free(t);
                if (e != EEXIST || attempt > 16) return write_failed(o, e);
            }
        }
    }
    if (rename(o->tmpname, o->target) != 0) {
        int e = errno;
        unlink(o->tmpname);
        free(o->tmpname);
        o->tmpname = NULL;
        return write_failed(o, e);
    }
    free(o->tmpname);
    o->tmpname = NULL;
    o->committed = 1;
    o->kind = OF_THROUGH; /* the file now has its name: later commits only flush */
    if (o->flags & TMX__OF_SYNC) {
        char *dir = dir_of(o->target);
        int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
        if (dfd >= 0) {
            (void)fsync(dfd); /* the rename itself survives a crash */
            close(dfd);
        }
        free(dir);
    }
    return TMX_OK;
}

tmx_status tmx__ofile_close(tmx__ofile *o)
{
    if (!o->f) return TMX_OK;
    tmx_status st = tmx__ofile_commit(o);
    if (fclose(o->f) != 0 && st == TMX_OK) st = write_failed(o, errno);
    o->f = NULL;
    if (st != TMX_OK && o->tmpname) unlink(o->tmpname);
    of_clear(o);
    return st;
}

void tmx__ofile_abort(tmx__ofile *o)
{
    if (o->f) fclose(o->f);
    o->f = NULL;
    if (o->kind == OF_NAMED && o->tmpname && !o->committed) unlink(o->tmpname);
    of_clear(o);
}

int tmx__ofile_same(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    char *ra = resolve_target(a), *rb = resolve_target(b);
    int same = 0;
    if (ra && rb) {
        /* targets that do not exist yet: compare their directories and names */
        char *xa = dir_of(ra), *xb = dir_of(rb);
        char *pa = xa ? realpath(xa, NULL) : NULL, *pb = xb ? realpath(xb, NULL) : NULL;
        const char *na = strrchr(ra, '/'), *nb = strrchr(rb, '/');
        na = na ? na + 1 : ra;
        nb = nb ? nb + 1 : rb;
        same = pa && pb && strcmp(pa, pb) == 0 && strcmp(na, nb) == 0;
        free(xa), free(xb), free(pa), free(pb);
    }
    free(ra), free(rb);
    return same;
}
