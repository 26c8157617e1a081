"""The output-directory policy (`dlkit.runs`): what blocks a run, what each flag allows."""

import pytest

from dlkit import runs


def _write(directory, *names):
    for name in names:
        (directory / name).write_text("x")


def _backup(directory, name):
    folder = runs.backup_dir(directory, name)
    folder.mkdir()
    (folder / "latest.json").write_text('{"epoch": 1, "folder": "epoch_00001"}')
    return folder


def test_a_new_directory_is_created_and_accepted(tmp_path):
    out = runs.prepare_output(tmp_path / "a" / "b", "cnn")
    assert out.is_dir() and list(out.iterdir()) == []  # the write check leaves nothing behind


def test_another_runs_files_do_not_block(tmp_path):
    _write(tmp_path, "dcgan.keras", "dcgan_metrics.json", "report.html")
    _backup(tmp_path, "gru_co2")
    assert runs.prepare_output(tmp_path, "cnn") == tmp_path
    assert (tmp_path / "gru_co2_backup" / "latest.json").is_file()


@pytest.mark.parametrize("entry", ["cnn.keras", "cnn_metrics.json", "cnn_run.json"])
def test_any_entry_of_the_run_blocks_it(tmp_path, entry):
    _write(tmp_path, entry)
    with pytest.raises(runs.RunExistsError, match=entry):
        runs.prepare_output(tmp_path, "cnn")


def test_a_killed_runs_backup_blocks_a_new_run_but_not_a_resume(tmp_path):
    backup = _backup(tmp_path, "cnn")
    with pytest.raises(runs.RunExistsError, match="cnn_backup"):
        runs.prepare_output(tmp_path, "cnn")
    assert runs.prepare_output(tmp_path, "cnn", resume=True) == tmp_path
    assert (backup / "latest.json").is_file()


def test_an_empty_backup_folder_is_nothing_to_resume(tmp_path):
    runs.backup_dir(tmp_path, "cnn").mkdir()
    with pytest.raises(runs.NothingToResumeError, match="cnn_backup is empty"):
        runs.prepare_output(tmp_path, "cnn", resume=True)


def test_overwrite_drops_the_old_backup_and_leaves_the_model_until_it_is_replaced(tmp_path):
    _write(tmp_path, "cnn.keras", "cnn_metrics.json")
    _backup(tmp_path, "cnn")
    runs.prepare_output(tmp_path, "cnn", overwrite=True)
    assert not runs.backup_dir(tmp_path, "cnn").exists()  # the new run must not resume the old one
    assert (tmp_path / "cnn.keras").read_text() == "x"  # replaced later, atomically


def test_extras_and_explicit_entries(tmp_path):
    _write(tmp_path, "dcgan_progress.gif")
    with pytest.raises(runs.RunExistsError, match="dcgan_progress.gif"):
        runs.prepare_output(tmp_path, "dcgan", extras=("dcgan_progress.gif",))
    _write(tmp_path, "report.html")
    with pytest.raises(runs.RunExistsError) as info:
        runs.prepare_output(tmp_path, "tour", entries=("report.html", "metrics.json"))
    assert "--resume" not in str(info.value) and "--overwrite" in str(info.value)
    with pytest.raises(runs.OutputError, match="resume=True for tour"):
        runs.prepare_output(tmp_path, "tour", resume=True, entries=("report.html",))
