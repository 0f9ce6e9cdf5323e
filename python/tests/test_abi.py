"""The binding's cdef (topomix/_cdef.py) against the installed headers: every prototype redeclared
after the headers (a conflicting one does not compile), every struct's size and field offsets and
every enum and #define constant compared with what the C compiler says."""

import os
import re
import shlex
import subprocess

import pytest

from topomix import _cdef, ffi, lib


def compile_and_run(tmp_path, source):
    cc = os.environ.get("TOPOMIX_CC")
    includes = [d for d in os.environ.get("TOPOMIX_INCLUDES", "").split(":") if d]
    if not cc or not includes:
        pytest.skip("TOPOMIX_CC and TOPOMIX_INCLUDES (set by meson test) are needed to compile against the headers")
    src = tmp_path / "abi.c"
    src.write_text(source)
    exe = tmp_path / "abi"
    cmd = shlex.split(cc) + ["-std=c11", "-Wall", "-Werror", *[f"-I{d}" for d in includes], str(src), "-o", str(exe)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    assert p.returncode == 0, f"the cdef does not match the headers:\n{p.stderr}"
    return subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout


def test_cdef_matches_headers(tmp_path):
    structs = re.findall(r"typedef struct (\w+) \{", _cdef.TYPES)
    enums = re.findall(r"typedef enum (\w+) \{", _cdef.TYPES)
    defines = re.findall(r"#define (\w+) (\d+)", _cdef.TYPES)
    checks = []  # (C expression, value cffi believes)
    for s in structs:
        t = ffi.typeof(s)
        checks.append((f"sizeof({s})", ffi.sizeof(t)))
        for name, f in t.fields:
            checks.append((f"offsetof({s}, {name})", f.offset))
            checks.append((f"sizeof((({s} *)0)->{name})", ffi.sizeof(f.type)))
    for e in enums:
        for value, name in ffi.typeof(e).elements.items():
            checks.append((f"(long long){name}", value))
    for name, value in defines:
        checks.append((f"(long long){name}", int(value)))
    for name, value in _cdef.FLOAT_CONSTANTS.items():
        checks.append((f"(double){name} == {value!r} ? 1 : 0", 1))
    body = "\n".join(f'    printf("%lld\\n", (long long)({expr}));' for expr, _ in checks)
    source = ("#include <topomix/topomix.h>\n#include <stddef.h>\n#include <stdio.h>\n"
              "/* the binding's prototypes, redeclared: a conflicting type is a compile error */\n"
              + _cdef.FUNCS + "\nint main(void)\n{\n" + body + "\n    return 0;\n}\n")
    out = compile_and_run(tmp_path, source).split()
    assert len(out) == len(checks)
    wrong = [f"{expr}: C {got}, cdef {want}" for (expr, want), got in zip(checks, out) if int(got) != want]
    assert not wrong, "\n".join(wrong)
    # every { of the cdef opens a struct or an enum the regexes found: none went unchecked
    assert len(structs) + len(enums) == _cdef.TYPES.count("{") and len(structs) >= 18


def test_every_cdef_function_is_exported():
    names = re.findall(r"\b(tmx_\w+)\(", _cdef.FUNCS)
    missing = [n for n in names if not hasattr(lib, n)]
    assert not missing and len(names) > 60
