"""Credit-model development: monotonic binning, WoE scorecard, challenger, metrics, safe model store.

Pure: no database. The CLI (`xinyidai model train|score`) and the German Credit benchmark sit on top.
"""
