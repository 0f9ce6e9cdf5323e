"""Shared fixtures: the CLI of the same build, run with the OpenBLAS kernels this process uses."""

import json
import os
import subprocess

import pytest

import topomix


def cli_path():
    path = os.environ.get("TOPOMIX_CLI")
    if not path or not os.access(path, os.X_OK):
        pytest.skip("TOPOMIX_CLI (the topomix executable of this build) is not set: run through meson test")
    return path


def cli_env():
    """The CLI's environment: OPENBLAS_CORETYPE pinned to the kernels libtopomix uses in this process,
    so that the CLI neither re-executes itself with other kernels (tools: tmx_blas_fix_coretype)
    nor rounds differently from the binding (both inherit the same thread settings)."""
    env = dict(os.environ)
    env["OPENBLAS_CORETYPE"] = topomix.blas_corename()
    env.pop("TMX_BLAS_REEXEC", None)
    return env


def run_cli(*args, check=True):
    """Runs topomix ARGS; returns the CompletedProcess (text)."""
    p = subprocess.run([cli_path(), *map(str, args)], capture_output=True, text=True, env=cli_env())
    if check and p.returncode != 0:
        raise AssertionError(f"topomix {' '.join(map(str, args))} exited {p.returncode}: {p.stderr}")
    return p


def cli_json(*args):
    return json.loads(run_cli(*args, "--format", "json").stdout)


def cli_error(*args):
    """The CLI's one-line error for ARGS, without its 'topomix CMD: ' prefix."""
    p = run_cli(*args, check=False)
    assert p.returncode != 0, f"topomix {' '.join(map(str, args))} succeeded"
    line = p.stderr.splitlines()[0]
    return line.split(": ", 1)[1]


@pytest.fixture
def cli():
    return run_cli
