"""Loading libtopomix through cffi (ABI mode) and turning its status codes into exceptions."""

import ctypes.util
import os

import cffi

from ._cdef import CDEF

ffi = cffi.FFI()
ffi.cdef(CDEF)


def _candidates():
    """Where libtopomix is looked for, in order."""
    env = os.environ.get("TOPOMIX_LIBRARY")
    if env:
        return [env]  # an explicit choice is the only one: a wrong path must fail, not fall back
    found = []
    try:  # written by meson at install time (python/meson.build)
        from ._install import LIBRARY

        found.append(LIBRARY)
    except ImportError:
        pass
    found.append("libtopomix.so.0")  # the system loader's path (ldconfig, LD_LIBRARY_PATH)
    name = ctypes.util.find_library("topomix")
    if name:
        found.append(name)
    return found


def _load():
    errors = []
    for path in _candidates():
        try:
            # Never unloaded: the simulator's OpenMP threads (libgomp, loaded with libtopomix)
            # outlive the last call, and unmapping their code when the interpreter frees this
            # module at exit crashed the process now and then.
            return ffi.dlopen(path, ffi.RTLD_NOW | ffi.RTLD_NODELETE), path
        except OSError as e:
            errors.append(f"{path}: {e}")
    raise ImportError(
        "topomix: cannot load libtopomix (" + "; ".join(errors) + "). From a build tree, set "
        "TOPOMIX_LIBRARY=BUILD/lib/libtopomix.so; installed, the library is found in meson's libdir "
        "or on the system loader's path"
    )


lib, LIBRARY_PATH = _load()
lib.tmx_init()


class TopomixError(Exception):
    """A failure reported by libtopomix, or an argument the library would refuse.

    ``status`` is the status name (``"EINVAL"``, ``"EDIM"``, ``"ENOMEM"``, ...), ``code`` its number
    (``tmx_status``) and ``str(error)`` the library's one-line message (``tmx_last_error()``).
    """

    def __init__(self, status, message, code=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _string(p):
    return ffi.string(p).decode() if p != ffi.NULL else None


def raise_status(st):
    """Raises the TopomixError of a failed status, with the thread's last error message."""
    message = _string(lib.tmx_last_error()) or _string(lib.tmx_strerror(st))
    raise TopomixError(_string(lib.tmx_errname(st)), message, int(st))


def check(st):
    """Raises unless st is TMX_OK."""
    if st != lib.TMX_OK:
        raise_status(st)


def invalid(message):
    """A TopomixError for an argument refused before it reaches the library (EINVAL, as the CLI's
    range checks give)."""
    return TopomixError("EINVAL", message, int(lib.TMX_EINVAL))


def string(p):
    """A C string as str (None for NULL)."""
    return _string(p)
