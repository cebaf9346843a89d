"""Enable unaccent and pg_trgm on PostgreSQL (accent-insensitive, typo-tolerant search).

``CreateExtension`` does nothing on other databases, so SQLite installs are unaffected.
"""

from django.contrib.postgres.operations import CreateExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]

    operations = [
        CreateExtension("unaccent"),
        CreateExtension("pg_trgm"),
    ]
