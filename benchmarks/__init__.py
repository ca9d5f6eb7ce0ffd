"""Benchmarks of registration_fsm against transitions, python-statemachine and a plain dict.

Run with ``make bench`` (or ``python -m benchmarks``; ``--quick`` to check that every figure
can be taken, ``--strict`` to exit 1 when a target fails). Results are kept in RESULTS.md.
"""
