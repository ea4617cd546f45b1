#!/usr/bin/env python3
"""PyTorch-eager reference for `bench train`: the same LoRA training step on the same checkpoint.

A minimal eager Llama (RMSNorm, rotate_half RoPE, GQA, SwiGLU) loaded from the F32
model.safetensors that `bench train` writes (parsed by hand: no pip packages), LoRA (PEFT
semantics: y = W x + alpha/r * B(A x), A kaiming-uniform, B zeros) on the same target modules,
frozen base (requires_grad False), AdamW (torch defaults, lr 1e-4) on the LoRA parameters, causal-LM
loss on full [B, T, V] logits, gradient norm computed every step (as Persona4j's Trainer does),
batch x seq random tokens; warmup steps then timed steps. Also times an fp32 n x n matmul in the
same process (its GEMM ceiling). Prints one JSON line.

Usage: python3 lora_step_reference.py --model DIR [--batch 8 --seq 256 --warmup 2 --steps 5
       --rank 8 --alpha 16 --targets q_proj,k_proj,v_proj,o_proj --threads 2 --gemm-n 2048]
"""
import argparse
import json
import math
import os
import resource
import struct
import time

import torch
import torch.nn.functional as F


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", (name, info["dtype"])
        start, end = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[base + start : base + end]), dtype=torch.float32)
        out[name] = t.reshape(info["shape"])
    return out


class Lora(torch.nn.Module):
    def __init__(self, weight, r, alpha):
        super().__init__()
        self.weight = weight  # frozen [out, in]
        out_f, in_f = weight.shape
        self.a = torch.nn.Parameter(torch.empty(r, in_f))
        torch.nn.init.kaiming_uniform_(self.a, a=math.sqrt(5))
        self.b = torch.nn.Parameter(torch.zeros(out_f, r))
        self.scale = alpha / r

    def forward(self, x):
        return F.linear(x, self.weight) + F.linear(F.linear(x, self.a), self.b) * self.scale


class Frozen(torch.nn.Module):
    def __init__(self, weight):
        super().__init__()
        self.weight = weight

    def forward(self, x):
        return F.linear(x, self.weight)


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Model(torch.nn.Module):
    def __init__(self, cfg, w, r, alpha, targets, full):
        super().__init__()
        self.cfg = cfg
        self.h = cfg["hidden_size"]
        self.nh = cfg["num_attention_heads"]
        self.nkv = cfg.get("num_key_value_heads", self.nh)
        self.hd = cfg.get("head_dim") or self.h // self.nh
        self.eps = cfg["rms_norm_eps"]
        for t in w.values():
            t.requires_grad_(full)
        self.w = w
        self.proj = torch.nn.ModuleDict()
        for i in range(cfg["num_hidden_layers"]):
            for p in ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                      "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]:
                weight = w[f"model.layers.{i}.{p}.weight"]
                key = f"{i}_{p.replace('.', '_')}"
                use_lora = (not full) and p.split(".")[1] in targets
                self.proj[key] = Lora(weight, r, alpha) if use_lora else Frozen(weight)
        self.lm_head = w["lm_head.weight"] if "lm_head.weight" in w else w["model.embed_tokens.weight"]
        theta = cfg.get("rope_theta", 10000.0)
        inv = 1.0 / (theta ** (torch.arange(0, self.hd, 2, dtype=torch.float32) / self.hd))
        self.inv_freq = inv

    def forward(self, ids):
        b, t = ids.shape
        x = F.embedding(ids, self.w["model.embed_tokens.weight"])
        pos = torch.arange(t, dtype=torch.float32)
        freqs = torch.outer(pos, self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos(), emb.sin()
        mask = torch.full((t, t), float("-inf")).triu(1)
        g = self.nh // self.nkv
        for i in range(self.cfg["num_hidden_layers"]):
            p = lambda n: self.proj[f"{i}_{n}"]
            L = f"model.layers.{i}."
            h = rms_norm(x, self.w[L + "input_layernorm.weight"], self.eps)
            q = p("self_attn_q_proj")(h).view(b, t, self.nh, self.hd).transpose(1, 2)
            k = p("self_attn_k_proj")(h).view(b, t, self.nkv, self.hd).transpose(1, 2)
            v = p("self_attn_v_proj")(h).view(b, t, self.nkv, self.hd).transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            k = k.repeat_interleave(g, dim=1)
            v = v.repeat_interleave(g, dim=1)
            s = q @ k.transpose(-1, -2) / math.sqrt(self.hd) + mask
            a = (s.softmax(-1) @ v).transpose(1, 2).reshape(b, t, self.nh * self.hd)
            x = x + p("self_attn_o_proj")(a)
            h = rms_norm(x, self.w[L + "post_attention_layernorm.weight"], self.eps)
            x = x + p("mlp_down_proj")(F.silu(p("mlp_gate_proj")(h)) * p("mlp_up_proj")(h))
        x = rms_norm(x, self.w["model.norm.weight"], self.eps)
        return F.linear(x, self.lm_head)


def gemm_gflops(n):
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    best = float("inf")
    for i in range(13):
        t0 = time.perf_counter()
        a @ b
        dt = time.perf_counter() - t0
        if i >= 3:
            best = min(best, dt)
    return 2.0 * n ** 3 / best / 1e9


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--mode", default="lora", choices=["lora", "full"])
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--rank", type=int, default=8)
    ap.add_argument("--alpha", type=float, default=16)
    ap.add_argument("--targets", default="q_proj,k_proj,v_proj,o_proj")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--gemm-n", type=int, default=2048)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    with open(os.path.join(args.model, "config.json")) as f:
        cfg = json.load(f)
    gemm = gemm_gflops(args.gemm_n)
    w = load_safetensors(os.path.join(args.model, "model.safetensors"))
    full = args.mode == "full"
    model = Model(cfg, w, args.rank, args.alpha, set(args.targets.split(",")), full)
    params = list(w.values()) if full else [q for q in model.parameters() if q.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4)
    vocab = cfg["vocab_size"]
    times, loss = [], float("nan")
    for step in range(args.warmup + args.steps):
        ids = torch.randint(3, vocab, (args.batch, args.seq))
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=False)
        logits = model(ids)
        l = F.cross_entropy(logits[:, :-1].reshape(-1, vocab), ids[:, 1:].reshape(-1))
        l.backward()
        torch.nn.utils.clip_grad_norm_(params, float("inf"))
        opt.step()
        loss = l.item()
        dt = time.perf_counter() - t0
        print(f"step {step + 1}: {dt * 1e3:.1f} ms, loss {loss:.4f}", file=__import__("sys").stderr)
        if step >= args.warmup:
            times.append(dt)
    mean = sum(times) / len(times)
    n_trainable = sum(q.numel() for q in params)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({
        "engine": "pytorch-eager", "mode": args.mode, "batch": args.batch, "seq": args.seq,
        "trainable_params": n_trainable, "warmup": args.warmup, "steps": args.steps,
        "step_ms": round(mean * 1e3, 1),
        "step_ms_median": round(sorted(times)[len(times) // 2] * 1e3, 1),
        "tokens_per_s": round(args.batch * args.seq / mean, 1),
        "gemm_gflops": round(gemm, 1), "final_loss": round(loss, 4), "peak_rss_mb": round(rss),
        "torch": torch.__version__, "threads": torch.get_num_threads(),
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
    }))


if __name__ == "__main__":
    main()
