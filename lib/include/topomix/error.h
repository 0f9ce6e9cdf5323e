/* topomix — status codes and error messages.
 *
 * Every fallible function returns a tmx_status; results go out through pointers. On failure a
 * one-line description is left in a thread-local buffer read with tmx_last_error(). The library
 * never aborts, exits or prints. */
#ifndef TMX_ERROR_H
#define TMX_ERROR_H

#include <topomix/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Status codes. Numbers are stable: a retired code stays reserved and is never reused. */
typedef enum tmx_status {
    TMX_OK = 0,        /**< success */
    TMX_EINVAL = 1,    /**< invalid argument */
    TMX_ENOMEM = 2,    /**< out of memory, or a size that would exceed memory */
    TMX_EDIM = 3,      /**< dimension mismatch */
    TMX_ENOTSQR = 4,   /**< matrix is not square */
    TMX_ENOCONV = 5,   /**< an iteration or a random redraw did not converge */
    TMX_ELAPACK = 6,   /**< LAPACK reported a failure */
    TMX_EIO = 7,       /**< an input file is missing, unreadable or not a regular file */
    TMX_EPARSE = 8,    /**< malformed input */
    TMX_EUNSUP = 9,    /**< valid but unsupported request */
    TMX_EINTERNAL = 10, /**< a bug: an internal invariant failed */
    TMX_ESYS = 11      /**< the system refused a write, fsync or rename (full disk, I/O error); the
                            message names the file and the system's reason */
} tmx_status;

/** A short description ("dimension mismatch"). Never NULL; static storage. */
TMX_API const char *tmx_strerror(tmx_status s);

/** The code's name ("EDIM"). Never NULL; static storage. */
TMX_API const char *tmx_errname(tmx_status s);

/** The detail of the last failure in this thread ("topo: hypercube needs n a power of two, got
 *  n=12"), or "" if none. Thread-local; valid until the next failing call in this thread. */
TMX_API const char *tmx_last_error(void);

/** Clears the thread's last-error buffer. */
TMX_API void tmx_clear_error(void);

/** One-time library set-up: turns GSL's abort-on-error handler off. Called by every entry point that
 *  uses GSL, so calling it is optional; idempotent and thread-safe. */
TMX_API void tmx_init(void);

#ifdef __cplusplus
}
#endif
#endif
