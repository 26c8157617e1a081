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
