#!/usr/bin/python3
"""Writes chisq.json: scipy.stats.chi2_contingency(table, correction=False)
for the contingency tables below. Run with Debian's /usr/bin/python3 and
python3-scipy from engine/stats/testdata."""
import json
from scipy.stats import chi2_contingency

tables = [
    [[10, 20, 30], [6, 9, 17]],
    [[5, 5, 5, 5], [5, 5, 5, 5], [5, 5, 5, 5]],  # independent: statistic 0
    [[12, 0, 3], [1, 15, 2], [0, 2, 20]],        # strong dependence
    [[100, 150], [120, 130]],
    [[3, 1, 0, 2], [0, 2, 4, 1], [2, 2, 1, 0], [1, 3, 2, 2]],  # small expected counts
]
out = []
for t in tables:
    s, p, df, _ = chi2_contingency(t, correction=False)
    out.append({"table": t, "statistic": s, "p": p, "df": df})
with open("chisq.json", "w") as f:
    json.dump(out, f, indent=1)
