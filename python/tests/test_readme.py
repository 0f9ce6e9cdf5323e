"""README.md's "From Python" example runs as written (readme_examples.sh runs the ```sh blocks only)."""

import os
import re
import subprocess
import sys

import pytest


def test_readme_python_example(tmp_path):
    readme = os.environ.get("TOPOMIX_README") or os.path.join(os.path.dirname(__file__), "..", "..", "README.md")
    text = open(readme).read()
    section = re.search(r"^## From Python\n(.*?)(?=^## )", text, re.M | re.S)
    assert section, "README.md has no 'From Python' section"
    blocks = re.findall(r"^```python\n(.*?)^```", section.group(1), re.M | re.S)
    assert blocks, "the section has no ```python example"
    code = blocks[0]
    assert len(code.strip().splitlines()) <= 10  # the ten-line example the issue asks for
    if not os.environ.get("TOPOMIX_LIBRARY"):
        pytest.skip("TOPOMIX_LIBRARY is not set: run through meson test")
    p = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=os.environ)
    assert p.returncode == 0, p.stderr
    assert len(p.stdout.splitlines()) == 4  # its four prints
