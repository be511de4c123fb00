"""Working in an office's project: creating one (`xxgk init`), JupyterLab on it (`xxgk lab`) and the
live preview of a parameter file (`xxgk preview`). Finding a project and reading its settings is
`xxgk.run.project`, since every build needs it."""
