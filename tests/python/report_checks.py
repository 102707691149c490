"""Assertions about a clustertwin-report output directory, shared by test_report.py and
test_report_sweep.py (a mixin for unittest.TestCase)."""
import os
import re

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class ReportChecks:
    """Shared assertions about a report directory."""

    def assert_report(self, outdir, required_ids=(), min_figures=1):
        index = os.path.join(outdir, "index.html")
        self.assertTrue(os.path.isfile(index), "index.html missing")
        with open(index, encoding="utf-8") as fh:
            html = fh.read()
        srcs = re.findall(r'<img src="([^"]+)"', html)
        self.assertGreaterEqual(len(srcs), min_figures, "too few figures in index.html")
        for src in srcs:
            path = os.path.join(outdir, src)
            self.assertTrue(os.path.isfile(path), f"{src} referenced but missing")
            with open(path, "rb") as fh:
                self.assertEqual(fh.read(8), PNG_SIGNATURE, f"{src} is not a PNG")
            self.assertGreater(os.path.getsize(path), 10_000, f"{src} is suspiciously small")
        # every PNG written is referenced from the page
        pngs = sorted(f for f in os.listdir(outdir) if f.endswith(".png"))
        self.assertEqual(sorted(srcs), pngs, "every PNG must be referenced by index.html")
        for fig_id in required_ids:
            self.assertRegex(html, rf'<figure id="fig-{fig_id}">',
                             f"required figure {fig_id} was not drawn")
        return html, srcs
