"""The package's version and the name it is installed under."""

__version__ = "0.1.0"

#: The distribution's name on PyPI. The import package is ``healthcheck``, as py-healthcheck's
#: is, but the name ``healthcheck`` on PyPI belongs to an older, unrelated project.
DISTRIBUTION = "healthcheck-endpoints"
