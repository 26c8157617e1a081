import pytest

from dlkit.tour import summary_rows

METRICS = {
    "cnn": {"parameters": 1000, "train_seconds": 12.0, "test_accuracy": 0.9},
    "rnn": {"co2_horizon": 26, "co2_best_cell": "gru", "co2_parameters": 500, "co2_train_seconds": 3.0,
            "co2_test_mae": 0.5, "co2_seasonal_naive_mae": 1.7, "char_cell": "gru",
            "char_parameters": 700, "char_train_seconds": 40.0, "char_bits_per_char": 2.5,
            "char_ngram_bits_per_char": 2.4},
    "gan": {f"{k}_{field}": v for k in ("dcgan", "wgan_gp")
            for field, v in (("parameters", 9), ("train_seconds", 60.0), ("fcd", 100.0))},
}
METRICS["gan"].update(untrained_fcd=700.0, real_fcd=1.0)


def test_summary_rows_name_every_trained_model_with_its_reference():
    rows = summary_rows(METRICS)
    assert [r["family"] for r in rows] == ["CNN", "GRU", "GRU", "DCGAN", "WGAN-GP"]
    assert "26 weeks" in rows[1]["task"] and "seasonal naive 1.700" in rows[1]["metric"]
    assert "n-gram 2.400" in rows[2]["metric"] and "untrained 700" in rows[3]["metric"]
    assert all(r["parameters"] > 0 and r["seconds"] > 0 for r in rows)


def test_summary_rows_of_a_partial_tour_leave_out_what_did_not_run():
    assert [r["family"] for r in summary_rows({"cnn": METRICS["cnn"]})] == ["CNN"]
    assert summary_rows({"environment": {}}) == []


def test_remaining_estimate_scales_the_typical_times_by_the_measured_speed():
    from dlkit.tour import TYPICAL_SECONDS, remaining_estimate

    typical = TYPICAL_SECONDS[False]
    # The finished stage ran twice as slow as typical, so the rest should too.
    estimate = remaining_estimate({"cnn": 2 * typical["cnn"]}, ["rnn", "gan"], fast=False)
    assert estimate == pytest.approx(2 * (typical["rnn"] + typical["gan"]))
    assert remaining_estimate({}, ["data"], fast=True) == TYPICAL_SECONDS[True]["data"]
    # A quick data stage does not make the training stages look quick.
    assert remaining_estimate({"data": 1.0}, ["cnn"], fast=False) == typical["cnn"]


def test_tour_fast_end_to_end_in_a_subprocess(tmp_path, fashion):
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
    for family in ("CNN", "RNN", "GAN"):
        assert any(h.startswith(family) and n for h, n in parser.images.items()), (family, parser.images)

    metrics = json.loads((tmp_path / "metrics.json").read_text())
    for key in ("rnn.co2_test_mae", "rnn.co2_seasonal_naive_mae", "rnn.char_bits_per_char",
                "rnn.char_ngram_bits_per_char", "cnn.test_accuracy", "gan.dcgan_fcd", "gan.wgan_gp_fcd"):
        stage, name = key.split(".")
        assert math.isfinite(metrics[stage][name]), key
    numbers = [v for stage in ("cnn", "rnn", "gan") for v in metrics[stage].values()
               if isinstance(v, (int, float)) and not isinstance(v, bool)]
    assert numbers and all(math.isfinite(v) for v in numbers)
    assert {"cnn", "rnn", "gan", "total"} <= set(metrics["timings_seconds"])
