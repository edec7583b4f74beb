import sys, time
sys.path[:0] = ["/work/attack16/a16", "/work/attack16"]
from cel import app
from healthcheck.checks import celery_check
for mw in (1, 2):
    chk = celery_check(app, timeout=2, min_workers=mw)
    t = time.monotonic(); print(mw, chk(), round(time.monotonic()-t, 2))
