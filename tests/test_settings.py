"""Build settings travel as one object: from the command line to a build, a batch worker, a Dask
task (pickled), and through the manifest to ``xxgk verify``'s rebuild."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

from xxgk.run.settings import BuildSettings


def test_settings_pickle_whole_and_the_manifest_keeps_what_decides_the_outputs(tmp_path):
    settings = BuildSettings(Path("out"), formats=("html", "docx"), archival=True,
                             options={"overview": {"show_chart": False}}, allow_errors=True, force=True,
                             timeout=5.0, section_jobs=2)
    assert pickle.loads(pickle.dumps(settings)) == settings
    recorded = settings.recorded()
    # force, timeout and the jobs decide how a build runs, not what it makes: verify rebuilds without them
    assert replace(settings, outputs=tmp_path, force=False, timeout=BuildSettings.timeout, section_jobs=1) \
        == BuildSettings.from_manifest(recorded, tmp_path)
    assert set(recorded) == {"formats", "archival", "allow_errors", "options"}
