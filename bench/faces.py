"""Scenario 2's faces: what each adapter serves, by the path (below it) that asks for each.
Standard library only: the driver and the targets both import it."""

FACES = {
    "py-healthcheck JSON": "/healthcheck",
    "health+json": "/healthcheck?format=health%2Bjson",
    "text": "/healthcheck?format=text",
    "HTML page": "/healthcheck?format=html",
    "one check by name": "/healthcheck/c1",
    "/readyz": "/readyz",
    "/livez": "/livez",
    "/metrics": "/metrics",
    "/environment": "/environment",
}


def baseline(path: str) -> str:
    """The run() route's request of the same shape as a face's ``path``: the same query string
    and a name segment where the face has one (the run() route answers ``run()`` whatever
    they say). So each ratio is what the face adds, not what the framework spends parsing a
    longer request line or matching a route with a converter."""
    route, _, query = path.partition("?")
    if not route.startswith("/healthcheck"):
        return "/healthcheck"
    return route + (f"?{query}" if query else "")
