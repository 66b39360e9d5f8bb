"""Shop settings for the Lambda deployment (API Gateway -> apig-wsgi -> Django)."""

import os

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "shop.urls"
INSTALLED_APPS = ["django.contrib.contenttypes", "shop"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
USE_TZ = True

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": os.environ["DB_PROXY_ENDPOINT"],
        "NAME": "shop",
        "USER": "shop_app",
        "PASSWORD": os.environ["DB_PASSWORD"],
        # "Persistent connections are faster" - and kept open while the container is frozen.
        # ruleid: PIN406
        "CONN_MAX_AGE": None,
        "OPTIONS": {
            # With psycopg2, Django sends SET default_transaction_isolation on connect.
            # ruleid: PIN107
            "isolation_level": 3,
            "connect_timeout": 5,
        },
    }
}
