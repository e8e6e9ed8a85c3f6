"""Earshot's Home-Assistant-free engine: audio I/O, signal processing, simulation, inference.

Inside Home Assistant this package is ``custom_components.earshot.engine``; installed
on its own (``pip install .``) it is ``earshot_engine`` and provides the ``earshot`` CLI.
Modules import each other relatively so both names work.
"""
