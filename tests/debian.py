"""Programs the tests need but pip cannot install (LibreOffice, the PostgreSQL server), taken
from the distribution's packages where the test run may do so: as root (CI) with apt-get."""

from __future__ import annotations

import os
import shutil
import subprocess


def install_debian_packages(*packages: str) -> str | None:
    """Install `packages` with apt-get; None when done, otherwise why they could not be.

    The package lists are refreshed only when the install fails: a fresh image usually has
    them, and `apt-get update` is the slow part."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return "not root or no apt-get, so they cannot be installed"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
    if subprocess.run(install, env=env, capture_output=True).returncode == 0:
        return None
    subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
    done = subprocess.run(install, env=env, capture_output=True, text=True)
    if done.returncode == 0:
        return None
    last = (done.stderr.strip().splitlines() or ["no message"])[-1]
    return f"`apt-get install {' '.join(packages)}` failed: {last}"
