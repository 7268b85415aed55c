"""One page per step of account mapping, named as the step is everywhere else."""
