"""A small LLaMA-architecture byte-level language model, trained on the English quotes of Debian's
`fortunes` package and exported twice: a full-sequence graph and a Hugging Face-style decode step
with a key/value cache.

    /usr/bin/python3 dnn-lib/models/train/lm.py [--steps N] [--threads N] [--seed N]

Writes onnx/lm_full.onnx, onnx/lm_decode.onnx, onnx/lm.json and onnx/variants/lm_full_nofold.onnx.
The blocks are written in plain torch ops the way Hugging Face's LlamaModel writes them, so the
exports carry the decomposed patterns real exports have: RMSNorm as Pow/ReduceMean/Add/Sqrt/Div/Mul,
rotate-half RoPE as Slice/Neg/Concat with cos/sin tables gathered by position, SwiGLU as
Sigmoid/Mul, grouped-query attention through Unsqueeze/Expand/Reshape of the keys and values, and
a causal mask applied with Where.
"""
import argparse
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

CORPUS_DIR = "/usr/share/games/fortunes"  # Debian package `fortunes`
HELD_OUT_FILE = "wisdom"  # held out whole; every other plain file of CORPUS_DIR is training text
OPSET = 14


class Config:
    vocab = 256  # bytes; no special tokens
    d_model = 128
    n_layers = 4
    n_heads = 4
    n_kv_heads = 2
    head_dim = 32
    ffn = 384
    context = 128
    max_positions = 1024  # rows of the RoPE tables (the decode step gathers from them)
    rope_theta = 10000.0
    eps = 1e-5


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        variance = x.pow(2).mean(-1, keepdim=True)
        x = x * torch.rsqrt(variance + self.eps)
        return self.weight * x


class RotaryEmbedding(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        inv_freq = 1.0 / (cfg.rope_theta ** (torch.arange(0, cfg.head_dim, 2).float() / cfg.head_dim))
        t = torch.arange(cfg.max_positions).float()
        freqs = torch.outer(t, inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos_cached", emb.cos(), persistent=False)
        self.register_buffer("sin_cached", emb.sin(), persistent=False)

    def forward(self, position_ids):
        """position_ids [B, T] -> cos, sin [B, 1, T, head_dim]."""
        return self.cos_cached[position_ids].unsqueeze(1), self.sin_cached[position_ids].unsqueeze(1)


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary_pos_emb(q, k, cos, sin):
    return (q * cos) + (rotate_half(q) * sin), (k * cos) + (rotate_half(k) * sin)


def repeat_kv(x, n_rep: int):
    """[B, n_kv_heads, S, head_dim] -> [B, n_kv_heads * n_rep, S, head_dim]."""
    batch, n_kv, slen, head_dim = x.shape
    if n_rep == 1:
        return x
    x = x[:, :, None, :, :].expand(batch, n_kv, n_rep, slen, head_dim)
    return x.reshape(batch, n_kv * n_rep, slen, head_dim)


class Attention(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        self.q_proj = nn.Linear(cfg.d_model, cfg.n_heads * cfg.head_dim, bias=False)
        self.k_proj = nn.Linear(cfg.d_model, cfg.n_kv_heads * cfg.head_dim, bias=False)
        self.v_proj = nn.Linear(cfg.d_model, cfg.n_kv_heads * cfg.head_dim, bias=False)
        self.o_proj = nn.Linear(cfg.n_heads * cfg.head_dim, cfg.d_model, bias=False)

    def forward(self, x, cos, sin, mask, past=None):
        """mask: bool, broadcastable to [B, n_heads, T, S], True where a query may attend."""
        cfg = self.cfg
        bsz, q_len, _ = x.shape
        q = self.q_proj(x).view(bsz, q_len, cfg.n_heads, cfg.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(bsz, q_len, cfg.n_kv_heads, cfg.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(bsz, q_len, cfg.n_kv_heads, cfg.head_dim).transpose(1, 2)
        q, k = apply_rotary_pos_emb(q, k, cos, sin)
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        present = (k, v)
        k = repeat_kv(k, cfg.n_heads // cfg.n_kv_heads)
        v = repeat_kv(v, cfg.n_heads // cfg.n_kv_heads)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(cfg.head_dim)
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
        probs = F.softmax(scores, dim=-1)
        out = torch.matmul(probs, v).transpose(1, 2).reshape(bsz, q_len, cfg.n_heads * cfg.head_dim)
        return self.o_proj(out), present


class MLP(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.gate_proj = nn.Linear(cfg.d_model, cfg.ffn, bias=False)
        self.up_proj = nn.Linear(cfg.d_model, cfg.ffn, bias=False)
        self.down_proj = nn.Linear(cfg.ffn, cfg.d_model, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.self_attn = Attention(cfg)
        self.mlp = MLP(cfg)
        self.input_layernorm = RMSNorm(cfg.d_model, cfg.eps)
        self.post_attention_layernorm = RMSNorm(cfg.d_model, cfg.eps)

    def forward(self, x, cos, sin, mask, past=None):
        h, present = self.self_attn(self.input_layernorm(x), cos, sin, mask, past)
        x = x + h
        x = x + self.mlp(self.post_attention_layernorm(x))
        return x, present


class LlamaLM(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        self.embed_tokens = nn.Embedding(cfg.vocab, cfg.d_model)
        self.layers = nn.ModuleList([DecoderLayer(cfg) for _ in range(cfg.n_layers)])
        self.norm = RMSNorm(cfg.d_model, cfg.eps)
        self.lm_head = nn.Linear(cfg.d_model, cfg.vocab, bias=False)  # untied
        self.rotary_emb = RotaryEmbedding(cfg)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, mean=0.0, std=0.02)

    def forward(self, input_ids):
        """Full sequence: input_ids [B, T] -> logits [B, T, V]."""
        q_len = input_ids.shape[1]
        position_ids = torch.arange(q_len, dtype=torch.long).unsqueeze(0)
        cos, sin = self.rotary_emb(position_ids)
        mask = torch.tril(torch.ones(q_len, q_len, dtype=torch.bool))[None, None, :, :]
        x = self.embed_tokens(input_ids)
        for layer in self.layers:
            x, _ = layer(x, cos, sin, mask)
        return self.lm_head(self.norm(x))

    def step(self, input_ids, position_ids, past):
        """One token with a right-aligned cache of fixed length P per layer.

        past[i] = (key, value), each [1, n_kv_heads, P, head_dim]; slot j of the concatenation
        [past, new] (P + 1 slots) holds a real token iff j >= P - position, so the caller starts
        from zeros and after each step keeps present[..., 1:, :] as the next past.
        Keys are cached after RoPE, as Hugging Face caches them.
        """
        past_len = past[0][0].shape[2]
        cos, sin = self.rotary_emb(position_ids)
        slots = torch.arange(past_len + 1, dtype=torch.long)
        valid = slots.unsqueeze(0) >= (past_len - position_ids)  # [1, P + 1]
        mask = valid[:, None, None, :]
        x = self.embed_tokens(input_ids)
        presents = []
        for layer, layer_past in zip(self.layers, past):
            x, present = layer(x, cos, sin, mask, layer_past)
            presents.append(present)
        return self.lm_head(self.norm(x)), presents


class FullSequence(nn.Module):
    def __init__(self, lm: LlamaLM):
        super().__init__()
        self.lm = lm

    def forward(self, input_ids):
        return self.lm(input_ids)


class DecodeStep(nn.Module):
    """Flat signature for export: input_ids, position_ids, past_key_values.{i}.key/value ... ->
    logits, present.{i}.key/value ..."""

    def __init__(self, lm: LlamaLM):
        super().__init__()
        self.lm = lm

    def forward(self, input_ids, position_ids, *flat_past):
        past = [(flat_past[2 * i], flat_past[2 * i + 1]) for i in range(len(flat_past) // 2)]
        logits, presents = self.lm.step(input_ids, position_ids, past)
        return (logits, *[t for kv in presents for t in kv])


# ----------------------------------------------------------------------------------------------
# Data


CORPUS_LICENCE = ("BSD, per /usr/share/doc/fortunes/copyright (the University of California's 4.4BSD "
                  "licence with the advertising clause deleted)")


def corpus_files() -> list:
    """The regular files without an extension in CORPUS_DIR (the .dat indexes and the .u8 links
    are left out), sorted by name."""
    names = []
    for name in sorted(os.listdir(CORPUS_DIR)):
        path = os.path.join(CORPUS_DIR, name)
        if "." not in name and os.path.isfile(path) and not os.path.islink(path):
            names.append(name)
    return names


def load_corpus() -> tuple:
    names = corpus_files()
    if HELD_OUT_FILE not in names:
        raise SystemExit(f"{CORPUS_DIR}/{HELD_OUT_FILE} not found: apt-get install -y fortunes")
    train = b"".join(open(os.path.join(CORPUS_DIR, n), "rb").read() for n in names if n != HELD_OUT_FILE)
    held = open(os.path.join(CORPUS_DIR, HELD_OUT_FILE), "rb").read()
    return names, torch.frombuffer(bytearray(train), dtype=torch.uint8).long(), \
        torch.frombuffer(bytearray(held), dtype=torch.uint8).long()


def evaluate(lm: LlamaLM, data: torch.Tensor, window: int, max_windows: int = 0) -> tuple:
    """Per-byte perplexity over consecutive non-overlapping windows of `window` bytes (a last
    partial window is dropped); in each window the logits at positions 0..window-2 predict bytes
    1..window-1. Returns (perplexity, mean nats per predicted byte, predicted bytes)."""
    n = data.numel() // window
    if max_windows:
        n = min(n, max_windows)
    windows = data[: n * window].view(n, window)
    lm.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, n, 32):
            batch = windows[i: i + 32]
            logits = lm(batch[:, :-1])
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1),
                                     reduction="sum").item()
            count += batch[:, 1:].numel()
    return math.exp(total / count), total / count, count


# ----------------------------------------------------------------------------------------------
# Decoding


def greedy_full(lm: LlamaLM, prompt: bytes, n_new: int) -> bytes:
    """Greedy continuation by recomputing the whole sequence (at most `context` bytes) each step."""
    ids = list(prompt)
    with torch.no_grad():
        for _ in range(n_new):
            ctx = ids[-lm.cfg.context:]
            logits = lm(torch.tensor([ctx]))
            ids.append(int(logits[0, -1].argmax()))
    return bytes(ids)


def greedy_full_padded(full: nn.Module, prompt: bytes, n_new: int, width: int) -> bytes:
    """Greedy with a fixed-width full-sequence graph: the sequence sits at positions 0..n-1, the
    rest is padding (causal, so it does not change the logits read at n-1)."""
    ids = list(prompt)
    with torch.no_grad():
        for _ in range(n_new):
            x = torch.zeros(1, width, dtype=torch.long)
            x[0, : len(ids)] = torch.tensor(ids)
            ids.append(int(full(x)[0, len(ids) - 1].argmax()))
    return bytes(ids)


def greedy_decode(step: nn.Module, cfg: Config, prompt: bytes, n_new: int, past_len: int) -> bytes:
    """Greedy with the decode-step graph: feed the prompt one byte at a time, then the argmax."""
    past = [torch.zeros(1, cfg.n_kv_heads, past_len, cfg.head_dim) for _ in range(2 * cfg.n_layers)]
    ids = list(prompt)
    out = []
    with torch.no_grad():
        for pos in range(len(prompt) + n_new - 1):
            tok = ids[pos]
            res = step(torch.tensor([[tok]]), torch.tensor([[pos]]), *past)
            past = [t[:, :, 1:, :] for t in res[1:]]
            nxt = int(res[0][0, -1].argmax())
            if pos >= len(prompt) - 1:
                out.append(nxt)
                ids.append(nxt)
    return bytes(ids[: len(prompt) + n_new])


# ----------------------------------------------------------------------------------------------


def train(lm: LlamaLM, data: torch.Tensor, steps: int, batch: int, lr: float, seed: int) -> None:
    cfg = lm.cfg
    decay = [p for n, p in lm.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in lm.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": no_decay, "weight_decay": 0.0}], lr=lr, betas=(0.9, 0.95))
    warmup = max(1, steps // 50)
    gen = torch.Generator().manual_seed(seed)
    timer = common.Timer()
    lm.train()
    for it in range(steps):
        scale = (it + 1) / warmup if it < warmup else \
            0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (it - warmup) / max(1, steps - warmup)))
        for g in opt.param_groups:
            g["lr"] = lr * scale
        starts = torch.randint(0, data.numel() - cfg.context - 1, (batch,), generator=gen)
        idx = starts[:, None] + torch.arange(cfg.context + 1)[None, :]
        chunk = data[idx]
        logits = lm(chunk[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, cfg.vocab), chunk[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(lm.parameters(), 1.0)
        opt.step()
        if it % 100 == 0 or it == steps - 1:
            done = it + 1
            eta = timer.seconds() / done * (steps - done)
            print(f"step {done}/{steps} loss {loss.item():.4f} lr {lr * scale:.2e} "
                  f"{timer.seconds():.0f}s (eta {eta:.0f}s)", flush=True)


PROMPTS = [b"The ", b"A man ", b"Life is ", b"If you ", b"Love is "]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--out", default=common.OUT_DIR)
    args = ap.parse_args()

    common.setup(args.seed, args.threads)
    cfg = Config()
    names, train_data, held = load_corpus()
    print(f"corpus: {len(names) - 1} training files, {train_data.numel()} bytes; "
          f"held out {HELD_OUT_FILE}: {held.numel()} bytes", flush=True)

    lm = LlamaLM(cfg)
    n_params = sum(p.numel() for p in lm.parameters())
    print(f"parameters: {n_params}", flush=True)
    timer = common.Timer()
    train(lm, train_data, args.steps, args.batch, args.lr, args.seed)
    timer.stop()
    train_seconds = timer.seconds()
    lm.eval()

    ppl, nats, count = evaluate(lm, held, cfg.context)
    ppl16, _, count16 = evaluate(lm, held, cfg.context, max_windows=16)
    train_ppl, _, _ = evaluate(lm, train_data[: held.numel()], cfg.context)
    print(f"trained in {train_seconds:.0f}s ({timer.cpu_seconds():.0f}s CPU); held-out per-byte perplexity {ppl:.4f} "
          f"({nats / math.log(2):.4f} bits/byte, {count} bytes); first 16 windows {ppl16:.4f}; "
          f"train (first {held.numel()} bytes) {train_ppl:.4f}", flush=True)

    # Exports.
    full, step = FullSequence(lm).eval(), DecodeStep(lm).eval()
    past_len = cfg.context - 1
    full_path = os.path.join(args.out, "lm_full.onnx")
    decode_path = os.path.join(args.out, "lm_decode.onnx")
    nofold_path = os.path.join(args.out, "variants", "lm_full_nofold.onnx")
    example_ids = torch.zeros(1, cfg.context, dtype=torch.long)
    common.export_onnx(full, (example_ids,), full_path, ["input_ids"], ["logits"], OPSET)
    common.export_onnx(full, (example_ids,), nofold_path, ["input_ids"], ["logits"], OPSET, fold=False)
    past = tuple(torch.zeros(1, cfg.n_kv_heads, past_len, cfg.head_dim) for _ in range(2 * cfg.n_layers))
    past_names = [f"past_key_values.{i}.{kv}" for i in range(cfg.n_layers) for kv in ("key", "value")]
    present_names = [f"present.{i}.{kv}" for i in range(cfg.n_layers) for kv in ("key", "value")]
    common.export_onnx(step, (torch.zeros(1, 1, dtype=torch.long), torch.zeros(1, 1, dtype=torch.long), *past),
                       decode_path, ["input_ids", "position_ids", *past_names], ["logits", *present_names], OPSET)

    # The decode step, the fixed-width full graph and plain recomputation agree token for token.
    samples = []
    for prompt in PROMPTS:
        n_new = cfg.context - len(prompt)
        ref = greedy_full(lm, prompt, n_new)
        padded = greedy_full_padded(full, prompt, n_new, cfg.context)
        dec = greedy_decode(step, cfg, prompt, n_new, past_len)
        if not (ref == padded == dec):
            raise SystemExit(f"greedy decoding differs for {prompt!r}:\n{ref!r}\n{padded!r}\n{dec!r}")
        samples.append({"prompt": prompt.decode("latin-1"), "greedy": ref.decode("latin-1")})
        print(f"greedy {ref!r}", flush=True)
    print("decode-step greedy == full recomputation for all prompts", flush=True)

    sidecar = {
        "model": "LLaMA-architecture byte-level language model",
        "architecture": {
            "vocab": cfg.vocab, "special_tokens": [], "d_model": cfg.d_model, "n_layers": cfg.n_layers,
            "n_heads": cfg.n_heads, "n_kv_heads": cfg.n_kv_heads, "head_dim": cfg.head_dim,
            "ffn_hidden": cfg.ffn, "context": cfg.context, "rope_theta": cfg.rope_theta,
            "rope_table_positions": cfg.max_positions, "rms_norm_eps": cfg.eps,
            "tied_embeddings": False, "parameters": n_params,
            "mask_fill": "torch.finfo(float32).min where masked (Where)",
        },
        "exports": {
            "full": common.file_entry(full_path, args.out, OPSET, True),
            "decode": {**common.file_entry(decode_path, args.out, OPSET, True), "past_length": past_len,
                       "cache": ("right-aligned: start from zero past tensors and position 0; feed "
                                 "position_ids = number of tokens before this one; after each step the "
                                 "next past is present[:, :, 1:, :]; slot j of the P+1 present slots is "
                                 "attended iff j >= P - position; keys are stored after RoPE; equal to "
                                 "full recomputation while position <= P, a sliding window after that "
                                 "(positions below rope_table_positions)")},
            "full_nofold": common.file_entry(nofold_path, args.out, OPSET, False),
        },
        "corpus": {
            "package": "fortunes", "directory": CORPUS_DIR, "licence": CORPUS_LICENCE,
            "train_files": [n for n in names if n != HELD_OUT_FILE],
            "train_bytes": train_data.numel(),
            "train_definition": "the listed files concatenated in this order, byte for byte",
        },
        "held_out": {
            "path": os.path.join(CORPUS_DIR, HELD_OUT_FILE), "start": 0, "end": held.numel(),
            "sha256": common.sha256_file(os.path.join(CORPUS_DIR, HELD_OUT_FILE)),
            "evaluation": ("consecutive non-overlapping windows of `context` bytes from `start` (a last "
                           "partial window dropped); in each the logits at positions 0..context-2 predict "
                           "bytes 1..context-1; perplexity = exp(mean negative log-likelihood in nats)"),
            "perplexity": round(ppl, 4), "bits_per_byte": round(nats / math.log(2), 4),
            "predicted_bytes": count,
            "perplexity_first_16_windows": round(ppl16, 4), "predicted_bytes_first_16_windows": count16,
        },
        "train_perplexity_same_length": round(train_ppl, 4),
        "training": {"steps": args.steps, "batch": args.batch, "lr": args.lr, "optimizer": "AdamW",
                     "schedule": "linear warm-up over steps/50, cosine to 0.1x"},
        "greedy_samples": samples,
        **common.environment(args.seed, args.threads, timer),
    }
    common.write_sidecar(os.path.join(args.out, "lm.json"), sidecar)
    for key in ("full", "decode", "full_nofold"):
        e = sidecar["exports"][key]
        print(f"{e['file']}: {e['bytes']} bytes, ops {e['ops']}", flush=True)


if __name__ == "__main__":
    main()
