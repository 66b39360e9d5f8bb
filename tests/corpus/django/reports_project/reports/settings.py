"""Settings for the reporting functions (Django ORM only: no views, no middleware)."""

import os

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "not-used-by-the-orm")
DEBUG = False
INSTALLED_APPS = ["reports"]
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["PGDATABASE"],
        "USER": os.environ["PGUSER"],
        "PASSWORD": os.environ["PGPASSWORD"],
        "HOST": os.environ["PGHOST"],
        "PORT": os.environ.get("PGPORT", "5432"),
        # ruleid: PIN406
        "CONN_MAX_AGE": 60,
        "OPTIONS": {
            # Reports run with the read-only role's grants.
            # ruleid: PIN107
            "assume_role": "reporting",
        },
    }
}
