"""Django, the Django way.

.. code-block:: python

    # settings.py
    INSTALLED_APPS = [..., "healthcheck.contrib.django"]
    HEALTHCHECK = {"AUTHORIZE": lambda request: request.user.is_staff}

    # urls.py
    urlpatterns = [..., path("health/", include("healthcheck.contrib.django.urls"))]

and ``python manage.py healthcheck``. See :mod:`healthcheck.contrib.django.conf` for the
settings.
"""
