"""Run the test provider: ``python -m tests.oidc_provider.serve PORT REDIRECT_URI CLIENT_ID
CLIENT_SECRET USERS_JSON`` with PROVIDER_DB and PROVIDER_RSA_KEY in the environment. Migrates
its own SQLite file, registers the relying party (the app) and the people
(``[{"username", "password", "employee_number", "mobile", "name"}]``), prints "ready", then
serves on 127.0.0.1:PORT until killed."""

from __future__ import annotations

import json
import os
import sys


def main(argv: list[str]) -> None:
    port, redirect_uri, client_id, client_secret, users = argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.oidc_provider.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.core.servers.basehttp import WSGIServer, run
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0, interactive=False)
    for person in json.loads(users):
        get_user_model().objects.create_user(
            person["username"],
            password=person["password"],
            last_name=person.get("employee_number", ""),
            email=person.get("mobile", ""),
            first_name=person.get("name", ""),
        )
    Application.objects.create(
        name="巡察整改管理",
        client_id=client_id,
        client_secret=client_secret,
        hash_client_secret=False,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=redirect_uri,
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    print("ready", flush=True)
    run("127.0.0.1", int(port), get_wsgi_application(), threading=True, server_cls=WSGIServer)


if __name__ == "__main__":
    main(sys.argv[1:])
