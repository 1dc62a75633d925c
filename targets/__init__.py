"""The plan's targets: the 20 tasks of the 2025–2027 action plan and their quantified targets.

For now this package is pure data and validation (targets/data/plan-2025-2027.yaml read by
targets/plan.py); the Django app of the target tracker (issue #6) builds on it.
"""
