#!/usr/bin/env python3
"""Paired comparison at equal steps for the grouped iLoRA run (docs/RESULTS.md, issue 17).

Usage: python3 docs/rec-grouped-equal-steps.py target/rec-grouped/results.json \
           target/rec-grouped-lora100/results.json
The first file is the grouped run (iLoRA K=4 and the random gate, both tested at step 100); the
second a run of LoRA alone with --checks 1 (tested at step 100 too) on the same base model, seed,
users and candidate sets. Prints, per protocol, iLoRA - LoRA and random - LoRA: the mean per-user
difference with a percentile bootstrap 95% CI (10,000 resamples, seed 17) and McNemar's exact test,
as experiments.common.PairedStats computes them.
"""
import json
import random
import sys
from math import comb


def runs(path):
    return {o["method"]: o for o in json.load(open(path))["llm_runs"]}


def bootstrap(a, b, resamples=10000, seed=17):
    d = [x - y for x, y in zip(a, b)]
    n = len(d)
    rnd = random.Random(seed)
    means = sorted(sum(d[rnd.randrange(n)] for _ in range(n)) / n for _ in range(resamples))

    def q(p):  # numpy's default (linear) quantile
        h = (len(means) - 1) * p
        lo = int(h)
        return means[lo] + (means[min(lo + 1, len(means) - 1)] - means[lo]) * (h - lo)

    return sum(d) / n, q(0.025), q(0.975)


def mcnemar(a, b):
    only_a = sum(1 for x, y in zip(a, b) if x and not y)
    only_b = sum(1 for x, y in zip(a, b) if y and not x)
    n = only_a + only_b
    if n == 0:
        return only_a, only_b, 1.0
    k = min(only_a, only_b)
    p = min(1.0, 2 * sum(comb(n, i) for i in range(k + 1)) / 2**n)
    return only_a, only_b, p


grouped = runs(sys.argv[1])
lora = runs(sys.argv[2])["LLaRA-LoRA (K=1)"]
print("LoRA tested at step", lora["selectedStep"])
for other in ["iLoRA K=4", "iLoRA K=4, random gate"]:
    o = grouped[other]
    print(other, "tested at step", o["selectedStep"])
    for key in ["constrainedHits", "likelihoodHits"]:
        a = [1.0 if x else 0.0 for x in o[key]]
        b = [1.0 if x else 0.0 for x in lora[key]]
        m, lo, hi = bootstrap(a, b)
        oa, ob, p = mcnemar(o[key], lora[key])
        print(f"  {other} - LoRA@{lora['selectedStep']} {key}: HR@1 {sum(a)/len(a):.4f} vs "
              f"{sum(b)/len(b):.4f}, diff {m:+.4f} [{lo:+.4f}, {hi:+.4f}], "
              f"McNemar {oa}/{ob} p={p:.3f}")
