from benchmarks import __main__ as runner


def test_benchmark_runner_lists_every_benchmark(capsys):
    assert runner.main(["--list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in runner.BENCHMARKS)


def test_benchmark_runner_rejects_unknown_names(capsys):
    assert runner.main(["nope"]) == 2
    assert "unknown ['nope']" in capsys.readouterr().err
