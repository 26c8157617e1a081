import pytest

from dlkit.tour import summary_rows


def _metrics(**extra):
    return {"parameters": 1000, "train_seconds": 12.0, **extra}


METRICS = {
    "cnn": _metrics(test_accuracy=0.9),
    "forecaster": _metrics(cell="gru", test_mae=0.5, seasonal_naive_mae=1.7),
    "char-lm": _metrics(cell="gru", bits_per_char=2.5, ngram_bits_per_char=2.4, ngram_order=6),
    "dcgan": _metrics(fcd=100.0, classes_covered=10, coverage_entropy=0.9),
    "wgan-gp": _metrics(fcd=90.0, classes_covered=9, coverage_entropy=0.8),
}


def test_summary_rows_name_every_trained_model_with_its_headline():
    rows = summary_rows(METRICS)
    assert [r["family"] for r in rows] == ["CNN", "RNN forecaster", "character language model", "DCGAN",
                                           "WGAN-GP"]
    assert "26 weeks" in rows[1]["task"] and "seasonal naive 1.700" in rows[1]["metric"]
    assert "6-gram 2.400" in rows[2]["metric"] and "distance 100.00" in rows[3]["metric"]
    assert all(r["parameters"] == 1000 and r["seconds"] == 12.0 for r in rows)


def test_summary_rows_of_a_partial_tour_leave_out_what_did_not_run():
    assert [r["family"] for r in summary_rows({"cnn": METRICS["cnn"]})] == ["CNN"]
    assert summary_rows({"environment": {}, "data": {}}) == []


def test_the_tour_runs_the_data_then_every_family_with_a_tour_run_in_registry_order():
    from dlkit import families
    from dlkit.tour import tour_stages

    stages = tour_stages()
    assert stages[0] == "data"
    assert stages[1:] == [name for name, fam in families.FAMILIES.items() if fam.tour is not None]
    assert {"cnn", "forecaster", "char-lm", "dcgan", "wgan-gp"} <= set(stages)


def test_remaining_estimate_scales_the_typical_times_by_the_measured_speed():
    from dlkit import families
    from dlkit.tour import remaining_estimate

    typical = {name: fam.tour_seconds[0] for name, fam in families.FAMILIES.items()}
    # The finished stage ran twice as slow as typical, so the rest should too.
    estimate = remaining_estimate({"cnn": 2 * typical["cnn"]}, ["forecaster", "dcgan"], fast=False)
    assert estimate == pytest.approx(2 * (typical["forecaster"] + typical["dcgan"]))
    assert remaining_estimate({}, ["data"], fast=True) == 10.0
    # A quick data stage does not make the training stages look quick.
    assert remaining_estimate({"data": 1.0}, ["cnn"], fast=False) == typical["cnn"]


def test_tour_fast_end_to_end_in_a_subprocess(tmp_path, fashion, spam_corpus):
    """`dlkit tour --fast` as a user runs it: exit 0, a picture per family, every metric finite."""
    import html.parser
    import json
    import math
    import os
    import re
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}  # the user's default
    result = subprocess.run([sys.executable, "-m", "dlkit.cli", "tour", "--fast", "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=900, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "min left" in result.stdout
    # Quiet: none of TensorFlow's C++ log lines (I/W/E0000 ... file.cc:line]) reach the user.
    cpp_lines = [line for line in result.stderr.splitlines()
                 if re.match(r"[IWEF]\d{4} ", line) or "absl::InitializeLog" in line]
    assert not cpp_lines, cpp_lines[:5]

    class Sections(html.parser.HTMLParser):
        def __init__(self):
            super().__init__()
            self.heading, self.images = None, {}

        def handle_starttag(self, tag, attrs):
            if tag == "h2":
                self.heading = ""
            if tag == "img" and self.heading is not None:
                self.images[self.heading] = self.images.get(self.heading, 0) + 1

        def handle_data(self, data):
            if self.heading == "":
                self.heading = data

    parser = Sections()
    parser.feed((tmp_path / "report.html").read_text())
    for family in ("CNN", "RNN: forecasting", "RNN: spam or not", "RNN: spelling to pronunciation", "GAN: DCGAN",
                   "GAN: WGAN-GP", "GAN: conditional"):
        assert any(h.startswith(family) and n for h, n in parser.images.items()), (family, parser.images)

    metrics = json.loads((tmp_path / "metrics.json").read_text())
    trained = ("cnn", "forecaster", "char-lm", "text-classifier", "g2p", "dcgan", "wgan-gp", "cgan")
    for key in ("forecaster.test_mae", "forecaster.seasonal_naive_mae", "char-lm.bits_per_char",
                "char-lm.ngram_bits_per_char", "cnn.test_accuracy", "text-classifier.test_f1",
                "text-classifier.baseline_f1", "dcgan.fcd", "wgan-gp.fcd", "cgan.fcd", "cgan.class_accuracy",
                "g2p.beam_per", "g2p.baseline_per"):
        stage, name = key.split(".")
        assert math.isfinite(metrics[stage][name]), key
    numbers = [v for stage in trained for v in metrics[stage].values()
               if isinstance(v, (int, float)) and not isinstance(v, bool)]
    assert numbers and all(math.isfinite(v) for v in numbers)
    assert {*trained, "total"} <= set(metrics["timings_seconds"])
