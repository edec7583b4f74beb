"""The private engine: report sources, runner, pool, single flight, damping, forking."""
