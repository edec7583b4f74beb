"""Web framework adapters: each translates HTTP to the core and back, nothing else."""
