"""Running builds: the project and its settings, kernels forked from the zygote, a section notebook's
execution, the caches, the build recipe with its staging folder, batches on worker processes or Dask,
the batch index, and verifying or re-running what a build kept."""
