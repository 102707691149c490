"""Run the ```python examples of docs/output.md against an output file.

The blocks run in order in one namespace (like a reader's Python session), with the
environment variable CLUSTERTWIN_OUT pointing to a synthetic fixture, or to the real
output named by CLUSTERTWIN_REPORT_INPUT when that is set.
"""
import contextlib
import io
import os
import re
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DOC = os.path.join(ROOT, "docs", "output.md")
sys.path.insert(0, HERE)

import make_fixture  # noqa: E402


def python_blocks(path):
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


class DocsExamples(unittest.TestCase):
    def run_blocks(self, out_path):
        blocks = python_blocks(DOC)
        self.assertGreaterEqual(len(blocks), 5, "expected h5py, xarray and pandas examples")
        old = os.environ.get("CLUSTERTWIN_OUT")
        os.environ["CLUSTERTWIN_OUT"] = out_path
        ns = {"__name__": "__docs__"}
        try:
            for i, code in enumerate(blocks, 1):
                with self.subTest(block=i):
                    buf = io.StringIO()
                    with contextlib.redirect_stdout(buf):
                        exec(compile(code, f"docs/output.md block {i}", "exec"), ns)
        finally:
            if old is None:
                os.environ.pop("CLUSTERTWIN_OUT", None)
            else:
                os.environ["CLUSTERTWIN_OUT"] = old
        self.assertEqual(ns.get("OUT"), out_path)
        return ns

    def test_examples_on_fixture(self):
        tmp = tempfile.mkdtemp(prefix="ct-docs-")
        try:
            path = make_fixture.make_output(os.path.join(tmp, "out.h5"), samples=2880,
                                            racks=16)
            ns = self.run_blocks(path)
            # the pandas example's shares add up to one
            self.assertAlmostEqual(float(ns["share"].sum()), 1.0, places=9)
            self.assertEqual(len(ns["table"]), 1)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @unittest.skipUnless(os.environ.get("CLUSTERTWIN_REPORT_INPUT"),
                         "set CLUSTERTWIN_REPORT_INPUT to a real clustertwin output to run")
    def test_examples_on_real_output(self):
        self.run_blocks(os.environ["CLUSTERTWIN_REPORT_INPUT"])


if __name__ == "__main__":
    unittest.main()
