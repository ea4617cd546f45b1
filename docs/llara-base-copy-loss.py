#!/usr/bin/env python3
"""Loss of the copying prompts during the LLaRA base model's pre-training (docs/RESULTS.md, issue 17).

Usage: python3 docs/llara-base-copy-loss.py target/llara-base/metrics.jsonl [window]
Steps whose micro-batch held only copying prompts (fewer than 110 learned tokens: about 10 answer
tokens per prompt, 8 prompts; a batch with a history or catalog document learns 150+ tokens) give
the loss on the answer tokens alone. Prints per window of steps (default 100) the mean loss of
those steps and of all steps. Chance for a model that does not copy is the loss of naming some
title; one that copies pays about ln(#candidates) on the first answer token and ~0 on the rest.
"""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
rows = [r for r in rows if r.get("type") == "train"]
window = int(sys.argv[2]) if len(sys.argv) > 2 else 100
print("| steps | copy-only batches | their mean loss (nats/token) | mean loss, all batches |")
print("| --- | --- | --- | --- |")
for start in range(0, len(rows), window):
    chunk = rows[start : start + window]
    copy = [r["loss"] for r in chunk if r["targets"] < 110]
    allm = sum(r["loss"] for r in chunk) / len(chunk)
    cm = sum(copy) / len(copy) if copy else float("nan")
    print(f"| {chunk[0]['step']}-{chunk[-1]['step']} | {len(copy)} | {cm:.3f} | {allm:.3f} |")
