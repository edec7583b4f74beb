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
