#!/usr/bin/env python3
"""Markdown tables of a FELLRec `tastes` run for docs/RESULTS.md, from its results.json.

Usage: python3 docs/fellrec-tastes-tables.py docs/fellrec-tastes/results.json
Prints: the overall table (mean +- sample std over seeds, with the validation curve and the rounds
evaluated), HR@1 per client, and the paired comparisons over all test users (HR@1 difference with
its bootstrap 95% CI, McNemar's exact test, NDCG@10 difference), as FellRecResults computed them.
"""
import json
import statistics
import sys


def ms(xs):
    if len(xs) < 2:
        return f"{xs[0]:.4f}"
    return f"{statistics.mean(xs):.4f} +- {statistics.stdev(xs):.4f}"


def main(path):
    d = json.load(open(path))
    clients = d["clientIds"]
    noisy = d.get("noisyClient")
    print("| method | seeds | HR@1 (20 cand.) | Recall@10 (full) | NDCG@10 (full) |"
          " mean valid loss per round (mean over seeds) | rounds evaluated | MB / seed |")
    print("|---|---|---|---|---|---|---|---|")
    for m in d["methods"]:
        curves = m["validLossPerRound"]
        mean_curve = [statistics.mean(c[t] for c in curves) for t in range(len(curves[0]))]
        mb = statistics.mean(m["bytes"]) / 1e6
        print(f"| {m['method']} | {len(m['hr1'])} | {ms(m['hr1'])} | {ms(m['recall10'])} |"
              f" {ms(m['ndcg10'])} | {', '.join(f'{x:.4f}' for x in mean_curve)} |"
              f" {', '.join(map(str, m['selectedRound']))} | {mb:.2f} |")
    print()
    print("| method | " + " | ".join(c + (" (noisy)" if c == noisy else "") for c in clients) + " |")
    print("|---|" + "---|" * len(clients))
    for m in d["methods"]:
        cells = []
        for c in range(len(clients)):
            xs = [seed[c]["hr1"] for seed in m["perClientPerSeed"]]
            cells.append(f"{statistics.mean(xs):.3f}" + (f" +- {statistics.stdev(xs):.3f}" if len(xs) > 1 else ""))
        print(f"| {m['method']} | " + " | ".join(cells) + " |")
    print()
    seeds = {m["method"]: len(m["hr1"]) for m in d["methods"]}
    print("| first - second (all test users) | seeds paired | HR@1 diff. [95% CI] |"
          " McNemar (first only / second only, exact p) | NDCG@10 diff. [95% CI] |")
    print("|---|---|---|---|---|")
    for p in d["paired"]:
        if p["client"] != "all":
            continue
        h, n, mc = p["hr1Diff"], p["ndcg10Diff"], p["mcNemar"]
        k = min(seeds[p["first"]], seeds[p["second"]])
        print(f"| {p['first']} - {p['second']} | {k} | {h['mean']:+.4f} [{h['low']:+.4f}, {h['high']:+.4f}] |"
              f" {mc['onlyA']} / {mc['onlyB']}, p = {mc['exactP']:.3g} |"
              f" {n['mean']:+.4f} [{n['low']:+.4f}, {n['high']:+.4f}] |")
    lows = [p for p in d["paired"] if p["client"] != "all"]
    excl = [p for p in lows if p["hr1Diff"]["low"] > 0 or p["hr1Diff"]["high"] < 0]
    minp = min(p["mcNemar"]["exactP"] for p in lows) if lows else float("nan")
    print()
    print(f"Per client ({len(lows)} intervals): {len(excl)} exclude 0; smallest McNemar p {minp:.3g}.")


if __name__ == "__main__":
    main(sys.argv[1])
