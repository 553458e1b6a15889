"""The kiosk's store on PostgreSQL (issue 17): store/api.py's interface over a real schema.

Imported only when a PostgreSQL store is opened: psycopg is an extra (``postgres``).
"""

from store.pg.store import PgStore, StoreUnreachable

__all__ = ["PgStore", "StoreUnreachable"]
