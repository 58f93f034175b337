"""The audit stores, by the name ``audit.store`` takes.

A store is a module that implements ``proxy.audit.store.Store`` and has a
``from_settings(settings: Settings, sequencer: Sequencer) -> Store`` function (not yet opened).
Adding a store is that module and one line here. Modules load only when chosen, so a store's
driver (asyncpg for PostgreSQL) is imported only where it is used.
"""

STORES: dict[str, str] = {
    "sqlite": "proxy.audit.sqlite",  # embedded default: one file, several processes
    "postgres": "proxy.audit.postgres",  # clusters: several replicas append to one tree
}
