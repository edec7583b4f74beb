"""A Tornado or uvicorn (Starlette) app whose /block handler blocks the event loop for BLOCK
seconds, with its health endpoints in the app and on a management port (MANAGEMENT_PORT).

    python -m tests.e2e.blocked_loop_app tornado PORT
    python -m tests.e2e.blocked_loop_app uvicorn PORT
"""

from __future__ import annotations

import os
import sys
import time

from healthcheck import HealthCheck
from healthcheck.management import serve_management

BLOCK = float(os.environ.get("BLOCK", "3"))
health = HealthCheck(error_timeout=1)
health.add_check(lambda: (True, "ok"), name="db")


def main(server: str, port: int) -> None:
    serve_management(health, port=int(os.environ["MANAGEMENT_PORT"]))
    if server == "tornado":
        import tornado.ioloop
        import tornado.web

        from healthcheck.integrations.tornado import routes

        class Block(tornado.web.RequestHandler):
            def get(self) -> None:
                time.sleep(BLOCK)  # the mistake that blocks the loop
                self.write("done")

        app = tornado.web.Application([(r"/block", Block), *routes(health)])
        app.listen(port, address="127.0.0.1")
        tornado.ioloop.IOLoop.current().start()
    else:
        import uvicorn
        from starlette.applications import Starlette
        from starlette.responses import PlainTextResponse
        from starlette.routing import Route

        from healthcheck.integrations.asgi import HealthASGI

        async def block(request: object) -> PlainTextResponse:
            time.sleep(BLOCK)  # the mistake that blocks the loop
            return PlainTextResponse("done")

        inner = Starlette(routes=[Route("/block", block)])
        uvicorn.run(HealthASGI(health, app=inner), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
