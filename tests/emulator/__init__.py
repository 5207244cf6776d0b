"""A local stand-in for Azure's PostgreSQL Flexible Server migration service (tests and sandbox only).

Start it with :func:`emulator.launcher.start_emulator` (a subprocess) or ``python -m emulator``.
"""
