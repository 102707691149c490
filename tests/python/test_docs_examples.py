"""Run the examples of the documentation.

- the ```python blocks of docs/output.md, in order in one namespace (like a reader's Python
  session, with /usr/bin/python3), with the environment variable CLUSTERTWIN_OUT pointing to a
  synthetic fixture, or to the real output named by CLUSTERTWIN_REPORT_INPUT when that is set;
- the ```yaml blocks of docs/scenario.md, checked with `clustertwin validate` (and `sweep
  --count` for a study) when CLUSTERTWIN names the binary. A block that is a fragment (no
  `extends:` or `schema_version:`) is checked inside a scenario that extends
  configs/quickstart.yaml; `../quickstart.yaml` and `grid/...` paths resolve as they do for a
  file in configs/studies/ or configs/.
"""
import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DOC = os.path.join(ROOT, "docs", "output.md")
SCENARIO_DOC = os.path.join(ROOT, "docs", "scenario.md")
sys.path.insert(0, HERE)

import make_fixture  # noqa: E402


def blocks(path, lang):
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    return re.findall(rf"^```{lang}\n(.*?)^```", text, flags=re.S | re.M)


class DocsExamples(unittest.TestCase):
    def run_blocks(self, out_path):
        code_blocks = blocks(DOC, "python")
        self.assertGreaterEqual(len(code_blocks), 5, "expected h5py, xarray and pandas examples")
        old = os.environ.get("CLUSTERTWIN_OUT")
        os.environ["CLUSTERTWIN_OUT"] = out_path
        ns = {"__name__": "__docs__"}
        try:
            for i, code in enumerate(code_blocks, 1):
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
            # two days at 60 s
            path = make_fixture.make_output(os.path.join(tmp, "out.h5"), samples=2880,
                                            racks=16)
            ns = self.run_blocks(path)
            # the pandas example's shares add up to one
            self.assertAlmostEqual(float(ns["share"].sum()), 1.0, places=9)
            self.assertEqual(len(ns["table"]), 1)
            # samples labelled by their interval start: two days, 48 hours, no spurious extra
            self.assertEqual(len(ns["mean_accelerators"]), 2)
            self.assertEqual(ns["hourly"].sizes["time"], 48)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @unittest.skipUnless(os.environ.get("CLUSTERTWIN_REPORT_INPUT"),
                         "set CLUSTERTWIN_REPORT_INPUT to a real clustertwin output to run")
    def test_examples_on_real_output(self):
        path = os.environ["CLUSTERTWIN_REPORT_INPUT"]
        ns = self.run_blocks(path)
        import h5py
        with h5py.File(path) as f:
            days = (f["time_bnds"][-1, 1] - f["time_bnds"][0, 0]) / 86400
        self.assertEqual(len(ns["mean_accelerators"]), int(round(days)))

    @unittest.skipUnless(os.environ.get("CLUSTERTWIN"), "set CLUSTERTWIN to the binary to run")
    def test_scenario_yaml_examples_validate(self):
        binary = os.environ["CLUSTERTWIN"]
        yaml_blocks = blocks(SCENARIO_DOC, "yaml")
        self.assertGreaterEqual(len(yaml_blocks), 3)
        tmp = tempfile.mkdtemp(prefix="ct-docs-yaml-")
        try:
            configs = os.path.join(ROOT, "configs")
            os.symlink(os.path.join(configs, "quickstart.yaml"), os.path.join(tmp, "quickstart.yaml"))
            os.symlink(os.path.join(configs, "grid"), os.path.join(tmp, "grid"))
            os.mkdir(os.path.join(tmp, "studies"))
            for i, text in enumerate(yaml_blocks, 1):
                with self.subTest(block=i):
                    if "extends:" in text or "schema_version:" in text:
                        path = os.path.join(tmp, "studies", f"example_{i}.yaml")
                    else:  # a fragment of a scenario
                        path = os.path.join(tmp, f"example_{i}.yaml")
                        text = "extends: quickstart.yaml\n" + text
                    with open(path, "w", encoding="utf-8") as fh:
                        fh.write(text)
                    r = subprocess.run([binary, "validate", path], capture_output=True,
                                       text=True, timeout=60)
                    self.assertEqual(r.returncode, 0, f"block {i}:\n{text}\n{r.stderr}")
                    if "sweep:" in text:
                        r = subprocess.run([binary, "sweep", path, "--count"],
                                           capture_output=True, text=True, timeout=60)
                        self.assertEqual(r.returncode, 0, r.stderr)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
