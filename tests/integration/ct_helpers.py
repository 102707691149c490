"""Shared by the Python integration tests: where the binary and the sources are, the MPI
environment, running a scenario and reading its /summary."""
import os
import subprocess

import h5py

BIN = os.environ.get("CLUSTERTWIN", "clustertwin")
SRC = os.environ.get("CT_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def run(args):
    subprocess.run([BIN, "run", *args, "-q"], env=ENV, check=True, capture_output=True)


def summary(path):
    with h5py.File(path) as f:
        return {k: float(v) for k, v in f["summary"].attrs.items()}
