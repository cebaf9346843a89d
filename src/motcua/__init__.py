"""motcua — an open-source electronic one-stop-shop for Vietnamese public administration.

Importing this package must stay cheap and must not import Django: the working-calendar
engine (:mod:`motcua.workcal`) is usable without a configured Django project.
"""

__version__ = "0.1.0"
