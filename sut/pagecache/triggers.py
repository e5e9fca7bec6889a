"""Database triggers that record a purge with every change a page shows, in the change's own transaction.

Every writer is covered, because the database itself records the purge: the ORM and the admin,
queryset update() and bulk writes, raw SQL, management commands, another process or machine
(the Celery workers). The purge is then applied by the purger (pagecache.outbox), outside the
app, until memcached confirms it: no commit without its purge, no purge lost to a memcached that
stalled. SQLite and PostgreSQL.
"""

import re
from dataclasses import dataclass

TABLE = "pagecache_pending_purge"


@dataclass(frozen=True)
class PurgeOn:
    """A change of event to table records a purge of tags, an SQL text expression over ROW.

    columns: for UPDATE, the columns pages show; a change of others purges nothing.
    scheduled: a (column, condition) pair: when the condition holds and the column's time is
    still to come, a second purge is recorded, due then (a post that appears at its time).
    withdraws: an SQL condition (over OLD and NEW; FUTURE(column): its time is still to come)
    under which the purge is a withdrawal: the pages lose their grace copies too (pagecache.grace).
    It must be TRUE or FALSE for every row, never NULL (the column refuses NULL, and so the write).
    moves: (condition, tags) pairs: when the condition holds, those tags alone are withdrawn too,
    in a purge of their own (a page's address changed: its old address, never the index).
    """

    table: str
    event: str  # INSERT, UPDATE or DELETE
    tags: str
    columns: tuple = ()
    scheduled: tuple | None = None
    withdraws: str = "FALSE"
    moves: tuple = ()

    @property
    def name(self):
        return f"pagecache_purge_{self.table}_{self.event.lower()}"

    @property
    def row(self):
        return "OLD" if self.event == "DELETE" else "NEW"

    def on_row(self, text):
        return text.replace("ROW.", f"{self.row}.")


def install(schema_editor, rules):
    for rule in rules:
        for statement in _create[schema_editor.connection.vendor](rule):
            schema_editor.execute(statement, params=None)


def uninstall(schema_editor, rules):
    for rule in rules:
        for statement in _drop[schema_editor.connection.vendor](rule):
            schema_editor.execute(statement, params=None)


SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"


def _future(condition, later):
    """FUTURE(column) in a condition, written for the database: later(column)."""
    return re.sub(r"FUTURE\(([^()]+)\)", lambda found: later(found[1]), condition)


def _sqlite(rule):
    when = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in rule.columns)
    tags = rule.on_row(rule.tags)
    withdraws = _future(rule.withdraws, lambda column: f"julianday({column}) > julianday('now')")
    body = [f"INSERT INTO {TABLE} (tags, due, withdraw) VALUES ({tags}, {SQLITE_NOW}, ({withdraws}));"]
    if rule.scheduled:
        column, condition = (rule.on_row(part) for part in rule.scheduled)
        body.append(
            f"INSERT INTO {TABLE} (tags, due, withdraw) SELECT {tags}, {column}, FALSE "
            f"WHERE {condition} AND julianday({column}) > julianday('now');"
        )
    for condition, moved in rule.moves:
        body.append(
            f"INSERT INTO {TABLE} (tags, due, withdraw) SELECT {moved}, {SQLITE_NOW}, TRUE WHERE {condition};"
        )
    return [
        f"CREATE TRIGGER {rule.name} AFTER {rule.event} ON {rule.table} FOR EACH ROW "
        + (f"WHEN {when} " if when else "")
        + "BEGIN "
        + " ".join(body)
        + " END"
    ]


def _postgresql(rule):
    when = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in rule.columns)
    tags = rule.on_row(rule.tags)
    withdraws = _future(rule.withdraws, lambda column: f"{column} > now()")
    body = [f"INSERT INTO {TABLE} (tags, due, withdraw) VALUES ({tags}, now(), ({withdraws}));"]
    if rule.scheduled:
        column, condition = (rule.on_row(part) for part in rule.scheduled)
        body.append(
            f"IF {condition} AND {column} > now() THEN "
            f"INSERT INTO {TABLE} (tags, due, withdraw) VALUES ({tags}, {column}, FALSE); END IF;"
        )
    for condition, moved in rule.moves:
        insert = f"INSERT INTO {TABLE} (tags, due, withdraw) VALUES ({moved}, now(), TRUE);"
        body.append(f"IF {condition} THEN {insert} END IF;")
    return [
        f"CREATE OR REPLACE FUNCTION {rule.name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        + " ".join(body)
        + " RETURN NULL; END $$",
        f"CREATE TRIGGER {rule.name} AFTER {rule.event} ON {rule.table} FOR EACH ROW "
        + (f"WHEN ({when}) " if when else "")
        + f"EXECUTE FUNCTION {rule.name}()",
    ]


_create = {"sqlite": _sqlite, "postgresql": _postgresql}
_drop = {
    "sqlite": lambda rule: [f"DROP TRIGGER IF EXISTS {rule.name}"],
    "postgresql": lambda rule: [
        f"DROP TRIGGER IF EXISTS {rule.name} ON {rule.table}",
        f"DROP FUNCTION IF EXISTS {rule.name}()",
    ],
}
