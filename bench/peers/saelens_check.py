#!/usr/bin/env python3
"""An SAE exported with --export-saelens, read back and run by SAELens's definitions, without SAELens.

    python3 bench/peers/saelens_check.py DIR DATA.npy [OURS.npy]

DIR holds cfg.json and sae_weights.safetensors. The forward follows SAELens (sae_lens/saes/*_sae.py, v6):
    sae_in = x - b_dec                          (apply_b_dec_to_input; normalize_activations "none")
    hidden_pre = sae_in @ W_enc + b_enc
    feature_acts = standard: relu(hidden_pre)
                   topk:     relu of the k largest hidden_pre per row, 0 elsewhere
                   jumprelu: relu(hidden_pre) * (hidden_pre > threshold)
    x_hat = feature_acts @ W_dec + b_dec
It prints the reconstruction of DATA's rows; with OURS.npy (our reconstructions of the same rows) it prints
max |x_hat_ours - x_hat_ref|. The safetensors file is parsed by hand (u64 header length, JSON header, raw bytes; torch_ae.py's reader).
When `import torch` works (the GPU machine), the same module is also run as a torch.nn.Module and compared.
"""
import json
import sys

import numpy as np

from torch_ae import read_safetensors  # the hand parser of our torch peer (no torch needed to import it)


def load_safetensors(path):
    tensors, _meta = read_safetensors(path)
    return {name: np.asarray(values, dtype=np.float64).reshape(shape) for name, (shape, values) in tensors.items()}


def load_sae(directory):
    with open(f"{directory}/cfg.json") as f:
        cfg = json.load(f)
    w = load_safetensors(f"{directory}/sae_weights.safetensors")
    arch = cfg.get("architecture", "standard")
    if cfg.get("normalize_activations", "none") != "none":
        raise SystemExit(f"normalize_activations {cfg['normalize_activations']!r}: this check runs folded SAEs only")
    if w["W_enc"].shape != (cfg["d_in"], cfg["d_sae"]) or w["W_dec"].shape != (cfg["d_sae"], cfg["d_in"]):
        raise SystemExit(f"shapes W_enc {w['W_enc'].shape}, W_dec {w['W_dec'].shape} disagree with d_in {cfg['d_in']}, d_sae {cfg['d_sae']}")
    return cfg, arch, w


def forward_numpy(cfg, arch, w, x):
    sae_in = x - w["b_dec"] if cfg.get("apply_b_dec_to_input", True) else x
    hidden_pre = sae_in @ w["W_enc"] + w["b_enc"]
    if arch == "topk":
        k = cfg["k"]
        # torch.topk's ties are unspecified; a stable descending sort takes the lower index first, as ours does.
        top = np.argsort(-hidden_pre, axis=1, kind="stable")[:, :k]
        acts = np.zeros_like(hidden_pre)
        np.put_along_axis(acts, top, np.maximum(np.take_along_axis(hidden_pre, top, axis=1), 0), axis=1)
    elif arch == "jumprelu":
        acts = np.maximum(hidden_pre, 0) * (hidden_pre > w["threshold"])
    elif arch == "standard":
        acts = np.maximum(hidden_pre, 0)
    else:
        raise SystemExit(f"architecture {arch!r} is not one this check knows (standard, topk, jumprelu)")
    return acts @ w["W_dec"] + w["b_dec"]


def forward_torch(cfg, arch, w, x):
    import torch

    class SaeModule(torch.nn.Module):
        def __init__(self):
            super().__init__()
            for name, value in w.items():
                self.register_parameter(name, torch.nn.Parameter(torch.tensor(value, dtype=torch.float64), requires_grad=False))

        def forward(self, x):
            hidden_pre = (x - self.b_dec) @ self.W_enc + self.b_enc
            if arch == "topk":
                top = torch.topk(hidden_pre, cfg["k"], dim=-1)
                acts = torch.zeros_like(hidden_pre).scatter(-1, top.indices, torch.relu(top.values))
            elif arch == "jumprelu":
                acts = torch.relu(hidden_pre) * (hidden_pre > self.threshold)
            else:
                acts = torch.relu(hidden_pre)
            return acts @ self.W_dec + self.b_dec

    with torch.no_grad():
        return SaeModule()(torch.tensor(x, dtype=torch.float64)).numpy()


def main():
    if len(sys.argv) not in (3, 4):
        raise SystemExit(__doc__)
    cfg, arch, w = load_sae(sys.argv[1])
    x = np.load(sys.argv[2]).astype(np.float64)
    if x.ndim != 2 or x.shape[1] != cfg["d_in"]:
        raise SystemExit(f"{sys.argv[2]}: shape {x.shape}, expected (N, {cfg['d_in']})")
    ref = forward_numpy(cfg, arch, w, x)
    print(f"architecture {arch}, d_in {cfg['d_in']}, d_sae {cfg['d_sae']}, {x.shape[0]} rows; max |x_hat_ref| = {np.abs(ref).max():.6g}")
    if len(sys.argv) == 4:
        ours = np.load(sys.argv[3]).astype(np.float64)
        if ours.shape != ref.shape:
            raise SystemExit(f"{sys.argv[3]}: shape {ours.shape}, expected {ref.shape}")
        print(f"numpy: max |x_hat_ours - x_hat_ref| = {np.abs(ours - ref).max():.6g}")
    try:
        import torch  # noqa: F401
    except ImportError:
        print("torch: not installed, skipped")
        return
    t = forward_torch(cfg, arch, w, x)
    print(f"torch: max |x_hat_torch - x_hat_numpy| = {np.abs(t - ref).max():.6g}")
    if len(sys.argv) == 4:
        print(f"torch: max |x_hat_ours - x_hat_torch| = {np.abs(ours - t).max():.6g}")


if __name__ == "__main__":
    main()
