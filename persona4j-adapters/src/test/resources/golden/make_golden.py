#!/usr/bin/env python3
"""Golden LoRA adapters in PEFT layout and their expected outputs, for GoldenAdapterTest.

Independent of Persona4j's Java code: uses only the Python standard library and numpy. It reads the
tiny base checkpoint in base/ (written once by MakeGoldenBase with Persona4j's ModelInit), parses
safetensors by hand, writes two LoRA adapters exactly as PEFT saves them, and computes the expected
outputs with its own float64 Llama forward (RMSNorm, rotate_half RoPE, grouped-query attention,
SwiGLU) plus LoRA (h = W0 x + b + scale * B A x).

  causal_lm/  r=4, alpha=8 (scale 2), target_modules [q_proj, v_proj, down_proj], CAUSAL_LM,
              with the many extra keys a real PEFT adapter_config.json carries (ignored on load)
  seq_cls/    rsLoRA r=2, alpha=4 (scale 4/sqrt(r)), rank_pattern {o_proj: 3}, target_modules a
              regex string, modules_to_save [score] with base_model.model.score.weight [3, H]

expected_logits.json holds, for IDS, the last-position logits of the base model, of the base with
causal_lm, of the base with seq_cls, and seq_cls's score-head logits at the last position.

Run from this directory: python3 make_golden.py
"""
import json
import math
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
IDS = [1, 17, 200, 3, 99, 150, 271, 42]
SEED = 20261122


def read_safetensors(path):
    """{name: float64 array} from a safetensors file (F32/F16/BF16/F64), parsed by hand."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    body = data[8 + n :]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = body[begin:end]
        dtype = info["dtype"]
        if dtype == "F32":
            a = np.frombuffer(raw, dtype="<f4")
        elif dtype == "F64":
            a = np.frombuffer(raw, dtype="<f8")
        elif dtype == "F16":
            a = np.frombuffer(raw, dtype="<f2")
        elif dtype == "BF16":
            a = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view("<f4")
        else:
            raise ValueError(f"{path}: {name}: dtype {dtype}")
        out[name] = a.astype(np.float64).reshape(info["shape"])
    return out


def write_safetensors(path, tensors, metadata):
    """Writes float32 tensors in dict order, header padded with spaces to 8 bytes, as safetensors does."""
    header = {"__metadata__": metadata}
    offset = 0
    blobs = []
    for name, a in tensors.items():
        b = np.ascontiguousarray(a, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")


# ---------------------------------------------------------------- reference Llama forward (float64)


def rms_norm(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rope(x, positions, theta):
    """rotate_half RoPE on x [T, heads, d]: the two halves of each head form the pairs."""
    d = x.shape[-1]
    inv_freq = 1.0 / theta ** (np.arange(0, d, 2, dtype=np.float64) / d)
    ang = np.outer(positions, inv_freq)  # [T, d/2]
    cos = np.concatenate([np.cos(ang), np.cos(ang)], axis=-1)[:, None, :]
    sin = np.concatenate([np.sin(ang), np.sin(ang)], axis=-1)[:, None, :]
    x1, x2 = x[..., : d // 2], x[..., d // 2 :]
    rotated = np.concatenate([-x2, x1], axis=-1)
    return x * cos + rotated * sin


class Llama:
    def __init__(self, cfg, w, lora=None):
        self.cfg = cfg
        self.w = w
        self.lora = lora or {}  # module path -> (A [r, in], B [out, r], scale)

    def linear(self, x, path):
        y = x @ self.w[path + ".weight"].T
        if path + ".bias" in self.w:
            y = y + self.w[path + ".bias"]
        if path in self.lora:
            a, b, scale = self.lora[path]
            y = y + scale * ((x @ a.T) @ b.T)
        return y

    def hidden(self, ids):
        c = self.cfg
        eps = c["rms_norm_eps"]
        nh, nkv = c["num_attention_heads"], c["num_key_value_heads"]
        hd = c.get("head_dim") or c["hidden_size"] // nh
        t = len(ids)
        pos = np.arange(t, dtype=np.float64)
        x = self.w["model.embed_tokens.weight"][ids]  # [T, H]
        for i in range(c["num_hidden_layers"]):
            p = f"model.layers.{i}."
            h = rms_norm(x, self.w[p + "input_layernorm.weight"], eps)
            q = self.linear(h, p + "self_attn.q_proj").reshape(t, nh, hd)
            k = self.linear(h, p + "self_attn.k_proj").reshape(t, nkv, hd)
            v = self.linear(h, p + "self_attn.v_proj").reshape(t, nkv, hd)
            q = rope(q, pos, c["rope_theta"])
            k = rope(k, pos, c["rope_theta"])
            att = np.zeros((t, nh, hd))
            for head in range(nh):
                kvh = head // (nh // nkv)
                s = q[:, head, :] @ k[:, kvh, :].T / math.sqrt(hd)  # [T, T]
                s = s + np.triu(np.full((t, t), -np.inf), 1)
                s = np.exp(s - s.max(axis=-1, keepdims=True))
                s = s / s.sum(axis=-1, keepdims=True)
                att[:, head, :] = s @ v[:, kvh, :]
            x = x + self.linear(att.reshape(t, nh * hd), p + "self_attn.o_proj")
            h = rms_norm(x, self.w[p + "post_attention_layernorm.weight"], eps)
            gate = self.linear(h, p + "mlp.gate_proj")
            up = self.linear(h, p + "mlp.up_proj")
            act = gate / (1 + np.exp(-gate)) * up
            x = x + self.linear(act, p + "mlp.down_proj")
        return rms_norm(x, self.w["model.norm.weight"], eps)

    def logits(self, ids):
        h = self.hidden(ids)
        head = self.w["model.embed_tokens.weight"] if self.cfg["tie_word_embeddings"] else self.w["lm_head.weight"]
        return h @ head.T


# ---------------------------------------------------------------- adapters


def make_lora(rng, w, paths, rank_of, scale_of):
    """PEFT-style init for A (uniform on +-1/sqrt(in)) and a non-zero B, so the adapter matters."""
    lora = {}
    for path in paths:
        out_f, in_f = w[path + ".weight"].shape
        r = rank_of(path)
        a = rng.uniform(-1 / math.sqrt(in_f), 1 / math.sqrt(in_f), size=(r, in_f)).astype(np.float32)
        b = (0.3 * rng.standard_normal(size=(out_f, r))).astype(np.float32)
        lora[path] = (a.astype(np.float64), b.astype(np.float64), scale_of(path))
    return lora


def save_adapter(directory, config, lora, extra):
    os.makedirs(directory, exist_ok=True)
    tensors = {}
    for path, (a, b, _) in lora.items():
        tensors[f"base_model.model.{path}.lora_A.weight"] = a
        tensors[f"base_model.model.{path}.lora_B.weight"] = b
    for name, t in extra.items():
        tensors[f"base_model.model.{name}"] = t
    write_safetensors(os.path.join(directory, "adapter_model.safetensors"), tensors, {"format": "pt"})
    write_json(os.path.join(directory, "adapter_config.json"), config)


def peft_config(**fields):
    """An adapter_config.json as PEFT 0.17 writes it (sorted keys, every field, nulls included)."""
    base = {
        "alpha_pattern": {},
        "auto_mapping": None,
        "base_model_name_or_path": "persona4j/golden-base",
        "bias": "none",
        "corda_config": None,
        "eva_config": None,
        "exclude_modules": None,
        "fan_in_fan_out": False,
        "inference_mode": True,
        "init_lora_weights": True,
        "layer_replication": None,
        "layers_pattern": None,
        "layers_to_transform": None,
        "loftq_config": {},
        "lora_alpha": 8,
        "lora_bias": False,
        "lora_dropout": 0.05,
        "megatron_config": None,
        "megatron_core": "megatron.core",
        "modules_to_save": None,
        "peft_type": "LORA",
        "peft_version": "0.17.1",
        "qalora_group_size": 16,
        "r": 4,
        "rank_pattern": {},
        "revision": None,
        "target_modules": None,
        "target_parameters": None,
        "task_type": "CAUSAL_LM",
        "trainable_token_indices": None,
        "use_dora": False,
        "use_qalora": False,
        "use_rslora": False,
    }
    base.update(fields)
    return base


def main():
    base_dir = os.path.join(HERE, "base")
    with open(os.path.join(base_dir, "config.json")) as f:
        cfg = json.load(f)
    w = read_safetensors(os.path.join(base_dir, "model.safetensors"))
    rng = np.random.default_rng(SEED)
    layers = range(cfg["num_hidden_layers"])

    # causal_lm: q_proj, v_proj and down_proj of every layer, scale alpha / r
    causal_paths = [
        f"model.layers.{i}.{m}" for i in layers for m in ("self_attn.q_proj", "self_attn.v_proj", "mlp.down_proj")
    ]
    causal = make_lora(rng, w, causal_paths, lambda p: 4, lambda p: 8 / 4)
    save_adapter(
        os.path.join(HERE, "causal_lm"),
        peft_config(target_modules=["q_proj", "v_proj", "down_proj"], r=4, lora_alpha=8),
        causal,
        {},
    )

    # seq_cls: regex targets, rsLoRA, rank_pattern for o_proj, and a score head in modules_to_save
    regex = r"model\.layers\.(0\.self_attn\.(k_proj|o_proj)|1\.mlp\.up_proj)"
    seq_paths = ["model.layers.0.self_attn.k_proj", "model.layers.0.self_attn.o_proj", "model.layers.1.mlp.up_proj"]

    def rank(p):
        return 3 if p.endswith("o_proj") else 2

    seq = make_lora(rng, w, seq_paths, rank, lambda p: 4 / math.sqrt(rank(p)))
    score = (0.5 * rng.standard_normal(size=(3, cfg["hidden_size"]))).astype(np.float32).astype(np.float64)
    save_adapter(
        os.path.join(HERE, "seq_cls"),
        peft_config(
            target_modules=regex,
            r=2,
            lora_alpha=4,
            use_rslora=True,
            rank_pattern={"o_proj": 3},
            modules_to_save=["classifier", "score"],
            task_type="SEQ_CLS",
            lora_dropout=0.0,
        ),
        seq,
        {"score.weight": score},
    )

    base_logits = Llama(cfg, w).logits(IDS)[-1]
    causal_logits = Llama(cfg, w, causal).logits(IDS)[-1]
    seq_model = Llama(cfg, w, seq)
    seq_logits = seq_model.logits(IDS)[-1]
    score_logits = seq_model.hidden(IDS)[-1] @ score.T
    write_json(
        os.path.join(HERE, "expected_logits.json"),
        {
            "ids": IDS,
            "base": base_logits.tolist(),
            "causal_lm": causal_logits.tolist(),
            "seq_cls": seq_logits.tolist(),
            "seq_cls_score": score_logits.tolist(),
        },
    )
    for name, lg in (("causal_lm", causal_logits), ("seq_cls", seq_logits)):
        print(f"{name}: max |adapted - base| = {np.max(np.abs(lg - base_logits)):.4f}, max |base| = {np.max(np.abs(base_logits)):.4f}")
    print("score logits:", score_logits)


if __name__ == "__main__":
    main()
