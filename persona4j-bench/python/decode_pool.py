#!/usr/bin/env python3
"""Pools several `bin/bench decode --json` runs of the same command (batch 1): per engine the
median and min-max of every round's tok/s and of the per-round ratio against its reference
(Jlama at the same precision, else Jlama F32), the best round, and the share of the bandwidth
limit at the best memory-bandwidth probe of the runs; plus LoRA with/without ratios (per round
across worker JVMs, and the on/off pairs inside one JVM). Usage: decode_pool.py RUN.json...
"""
import json
import statistics
import sys


def fmt(xs):
    return "%.2f (%.2f-%.2f)" % (statistics.median(xs), min(xs), max(xs))


runs = [json.load(open(p)) for p in sys.argv[1:]]
bw = max(r["memory_bandwidth_gb_per_s"] for r in runs)
print("runs: %d; memory bandwidth probes: %s GB/s (best %.1f)" % (
    len(runs), ", ".join("%.1f" % r["memory_bandwidth_gb_per_s"] for r in runs), bw))
rows = {}
for r in runs:
    for s in r["summary"]:
        if s["batch"] != 1:
            continue
        e = rows.setdefault(s["engine"], {"tok": [], "ref": [], "ratio": [], "base": [], "s": s})
        e["tok"] += s["decode_runs"]
        e["ref"] += s["jlama_decode_runs"]
        e["ratio"] += [a / b for a, b in zip(s["decode_runs"], s["jlama_decode_runs"])]
print()
print("| engine | vs | decode tok/s median (min-max) | best round | ref tok/s median (best) "
      "| ratio, median of rounds (min-max) | MB/token | % of limit at best round, ours / ref |")
print("|---|---|---|---|---|---|---|---|")
for name, e in rows.items():
    s = e["s"]
    mb = s["decode_weight_bytes"] / 1e6
    ref_mb = s["jlama_decode_weight_bytes"] / 1e6
    limit = bw * 1e9 / s["decode_weight_bytes"]
    ref_limit = bw * 1e9 / s["jlama_decode_weight_bytes"]
    print("| %s | %s | %s | %.1f | %.1f (%.1f) | %s | %.0f / %.0f | %.0f%% / %.0f%% |" % (
        name, s["reference"], fmt(e["tok"]), max(e["tok"]), statistics.median(e["ref"]),
        max(e["ref"]), fmt(e["ratio"]), mb, ref_mb, 100 * max(e["tok"]) / limit,
        100 * max(e["ref"]) / ref_limit))
print()
print("| engine with LoRA | base | per-round ratio across JVMs, median (min-max) "
      "| on/off pairs in one JVM, median (min-max) | pairs |")
print("|---|---|---|---|---|")
for name, e in rows.items():
    base = e["s"].get("base")
    if not base:
        continue
    rounds = [a / b for a, b in zip(e["tok"], rows[base]["tok"])]
    pairs = []
    for r in runs:
        p = r.get("lora_pairs", {}).get(name)
        if p:
            pairs += p["ratio"]
    print("| %s | %s | %s | %s | %d |" % (
        name, base, fmt(rounds), fmt(pairs) if pairs else "-", len(pairs)))
print()
print("| engine | PyTorch ops / step | kernel calls / step | unprofiled step ms per run |")
print("|---|---|---|---|")
for name in runs[0].get("decode_profile", {}):
    ps = [r["decode_profile"][name] for r in runs if name in r.get("decode_profile", {})]
    print("| %s | %s | %s | %s |" % (
        name, "/".join("%.0f" % p["torch_ops_per_step"] for p in ps),
        "/".join("%.0f" % p["kernel_calls_per_step"] for p in ps),
        ", ".join("%.1f" % p["step_ms"] for p in ps)))
