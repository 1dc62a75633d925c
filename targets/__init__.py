"""The target tracker: the 20 tasks of the 2025–2027 action plan, their quantified targets, actuals
(computed or reported), splits over cities and counties, work plans and progress (README.md)."""
