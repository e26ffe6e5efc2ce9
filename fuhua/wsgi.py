import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fuhua.settings")
application = get_wsgi_application()

# Bulletin PDFs are rendered in the web process: load WeasyPrint and the fonts now, in the
# thread that serves requests (a sync worker's), not in the first request that needs them.
from rectification.documents.pdf import warm_up  # noqa: E402

warm_up()
