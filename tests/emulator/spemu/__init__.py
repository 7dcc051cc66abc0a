"""spemu: an emulated IBM Spectrum Protect (IBM Storage Protect) server fleet for tests.

store: home layout, SQLite, clock, faults. fleet: fleet files and seeding. engine: every state
change and timer. cli: the ``spemu`` command. dsmadmc/commands/render/sql: the dsmadmc client.
"""
__version__ = "0.1.0"
