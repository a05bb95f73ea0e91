#!/usr/bin/env python3
"""The seed model (SPEC.md) in PyTorch, the peer of our WebGPU trainer on a CUDA GPU.

1. Parity (float64): loads our checkpoint before one training step (checkpoint-step0.safetensors) and that step's
   batch, gradients and updated parameters (parity.safetensors, both written by bench/gpu-check.ts), runs the same
   step in float64 with autograd (dropout masks from our counter RNG, so the same units drop) and reports the
   largest normalised difference per tensor.
2. Throughput (float32, CUDA): training steps of the same model at the given batches, eager and with CUDA graphs
   (and torch.compile unless --no-compile), as samples/s, plus 10 epochs of 60,000 images at batch 256.
Needs only torch: safetensors files are parsed by hand (8-byte length, JSON header, raw little-endian data).
Usage: torch_ae.py --dir RESULTS [--batches 256,1024,4096] [--no-compile] [--out torch.json] [--selftest]
"""
import argparse, json, math, struct, sys, time
from array import array


def read_safetensors(path):
    """name -> (shape, flat list of floats), and the __metadata__ dict."""
    with open(path, 'rb') as f:
        blob = f.read()
    (n,) = struct.unpack('<Q', blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    meta = header.pop('__metadata__', {})
    out = {}
    for name, t in header.items():
        lo, hi = t['data_offsets']
        code = {'F32': 'f', 'F64': 'd', 'I64': 'q', 'I32': 'i'}[t['dtype']]
        a = array(code)
        a.frombytes(data[lo:hi])
        if sys.byteorder != 'little':
            a.byteswap()
        out[name] = (t['shape'], a)
    return out, meta


def pcg(v):
    state = (v * 747796405 + 2891336453) & 0xFFFFFFFF
    word = (((state >> ((state >> 28) + 4)) ^ state) * 277803737) & 0xFFFFFFFF
    return ((word >> 22) ^ word) & 0xFFFFFFFF


def f32(x):
    return struct.unpack('<f', struct.pack('<f', x))[0]


def dropout_mask(seed, step, layer, count, p):
    """Our inverted-dropout multipliers (src/ref/dropout.ts): element e kept when rngUniform(seed, step, layer, e) >= p."""
    c = pcg((layer + pcg((step + pcg(seed)) & 0xFFFFFFFF)) & 0xFFFFFFFF)
    threshold, scale = f32(p), f32(1 / (1 - p))
    return [scale if (pcg((e + c) & 0xFFFFFFFF) >> 8) / 16777216 >= threshold else 0.0 for e in range(count)]


def layers(cfg):
    """(half, index, spec, rng layer) for every layer: dropout's RNG layer counts encoder then decoder layers."""
    enc, dec = cfg['model']['encoder'], cfg['model']['decoder']
    return [('encoder', i, s, i) for i, s in enumerate(enc)] + [('decoder', i, s, len(enc) + i) for i, s in enumerate(dec)]


def act(torch, spec, h):
    fn = spec['fn']
    if fn == 'leaky_relu':
        return torch.nn.functional.leaky_relu(h, spec.get('alpha', 0.01))
    return {'relu': torch.relu, 'tanh': torch.tanh, 'sigmoid': torch.sigmoid, 'identity': lambda v: v}[fn](h)


def parity(torch, directory):
    ck, meta = read_safetensors(f'{directory}/checkpoint-step0.safetensors')
    ours, pmeta = read_safetensors(f'{directory}/parity.safetensors')
    cfg = json.loads(meta['config'])
    seed, step = int(pmeta['seed']), int(pmeta['step'])
    t = lambda shape, a: torch.tensor(list(a), dtype=torch.float64).reshape(shape)
    params = {k: t(*v).requires_grad_(True) for k, v in ck.items() if k.endswith(('.weight', '.bias'))}
    x = t(*ours['batch'])
    B = x.shape[0]
    h, code = x, None
    for half, i, spec, rng_layer in layers(cfg):
        name = f'{half}.{i}'
        if spec['kind'] == 'linear':
            h = h @ params[f'{name}.weight'].T + params[f'{name}.bias']
        elif spec['kind'] == 'activation':
            h = act(torch, spec, h)
        elif spec['kind'] == 'batchnorm':  # training mode: batch statistics, biased variance
            mean, var = h.mean(0), h.var(0, unbiased=False)
            h = (h - mean) / torch.sqrt(var + cfg['batchNorm']['eps']) * params[f'{name}.weight'] + params[f'{name}.bias']
        elif spec['kind'] == 'dropout':
            mask = dropout_mask(seed, step, rng_layer, h.numel(), spec['p'])
            h = h * torch.tensor(mask, dtype=torch.float64).reshape(h.shape)
        if half == 'encoder' and i == len(cfg['model']['encoder']) - 1:
            code = h
    loss = {'mse': lambda: ((h - x) ** 2).mean(), 'mae': lambda: (h - x).abs().mean(),
            'bce': lambda: -(x * torch.log(h) + (1 - x) * torch.log(1 - h)).mean()}[cfg['loss']]()
    sp = cfg['sparsity']
    code_act = cfg['model']['encoder'][-1].get('fn')
    if sp['kind'] == 'kl':
        activity = (code + 1) / 2 if code_act == 'tanh' else code
        rho, rho_hat = sp['rho'], activity.mean(0).clamp(1e-6, 1 - 1e-6)
        loss = loss + sp['weight'] * (rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))).sum()
    elif sp['kind'] == 'l1':
        loss = loss + sp['weight'] * code.abs().mean()
    loss.backward()
    rows = []
    for k, p in params.items():
        ref = p.grad
        got = t(*ours[f'grad.{k}'])
        scale = ref.abs().max().item() or 1.0
        rows.append({'tensor': k, 'max_abs_diff': (got - ref).abs().max().item(), 'max_abs_ref': scale,
                     'normalised': ((got - ref).abs().max() / scale).item()})
    worst = max(r['normalised'] for r in rows)
    return {'batch': B, 'loss_float64': loss.item(), 'gradients': rows, 'worst_normalised_diff': worst, 'ok': worst < 1e-3}


def seed_model(torch, cfg):
    nn = torch.nn
    mods = []
    width = cfg['model']['inputDim']
    for _, _, spec, _ in layers(cfg):
        k = spec['kind']
        if k == 'linear':
            mods.append(nn.Linear(width, spec['units']))
            width = spec['units']
        elif k == 'batchnorm':
            mods.append(nn.BatchNorm1d(width, eps=cfg['batchNorm']['eps'], momentum=cfg['batchNorm']['momentum']))
        elif k == 'dropout':
            mods.append(nn.Dropout(spec['p']))
        else:
            mods.append({'leaky_relu': lambda: nn.LeakyReLU(spec.get('alpha', 0.01)), 'relu': nn.ReLU, 'tanh': nn.Tanh,
                         'sigmoid': nn.Sigmoid, 'identity': nn.Identity}[spec['fn']]())
    n_enc = len(cfg['model']['encoder'])
    return nn.Sequential(*mods[:n_enc]), nn.Sequential(*mods[n_enc:])


def make_step(torch, cfg, enc, dec, opt, use_compile):
    rho, beta = cfg['sparsity']['rho'], cfg['sparsity']['weight']

    def objective(x):  # MSE + β·KL on the tanh code's activity (z + 1)/2
        z = enc(x)
        xh = dec(z)
        rho_hat = ((z + 1) / 2).mean(0).clamp(1e-6, 1 - 1e-6)
        kl = (rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))).sum()
        return ((xh - x) ** 2).mean() + beta * kl
    loss_of = torch.compile(objective) if use_compile else objective

    def step(x):
        loss = loss_of(x)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=False)
        return loss
    return step


def time_mode(torch, cfg, data, B, mode):
    """Samples/s of training steps at batch B in one mode (and 10 epochs of the data at batch 256)."""
    dev = data.device
    torch.manual_seed(0)
    enc, dec = (m.to(dev) for m in seed_model(torch, cfg))
    params = list(enc.parameters()) + list(dec.parameters())
    o = cfg['optimizer']
    # PyTorch's fastest Adam (one fused kernel); capturable so that a CUDA graph can hold it.
    opt = torch.optim.Adam(params, lr=o['lr'], betas=(o['beta1'], o['beta2']), eps=o['eps'], fused=True, capturable=True)
    step = make_step(torch, cfg, enc, dec, opt, mode == 'compile')
    steps_per_epoch = data.shape[0] // B
    batch_of = lambda i: data[(i % steps_per_epoch) * B:((i % steps_per_epoch) + 1) * B].float().div_(255)
    t_setup = time.perf_counter()
    if mode == 'cuda_graph':
        static_x = batch_of(0)
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                step(static_x)
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            step(static_x)

        def run(i):
            static_x.copy_(batch_of(i))
            graph.replay()
    else:
        def run(i):
            step(batch_of(i))
        for i in range(3):
            run(i)
    torch.cuda.synchronize()
    setup = time.perf_counter() - t_setup
    n = max(20, min(2000, int(2e6 // B)))
    t0 = time.perf_counter()
    for i in range(n):
        run(i)
    torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    row = {'framework': 'pytorch', 'mode': mode, 'batch': B, 'steps': n, 'samples_per_s': n * B / dt,
           'ms_per_step': dt / n * 1000, 'setup_seconds': setup}
    if B == 256:  # 10 epochs of 60,000 images, as our check trains
        t0 = time.perf_counter()
        for i in range(10 * steps_per_epoch):
            run(i)
        torch.cuda.synchronize()
        row['ten_epochs_60k_seconds'] = time.perf_counter() - t0
    return row


def throughput(torch, cfg, batches, use_compile, save, images=60000):
    """Every batch eager and with a CUDA graph, then torch.compile last (its compile time is the risk to the time
    limit); each row is saved as it comes, and a mode that fails is recorded with its error."""
    data = torch.randint(0, 256, (images, cfg['model']['inputDim']), dtype=torch.uint8, device=torch.device('cuda'))
    out = []
    plan = [(B, m) for m in ('eager', 'cuda_graph') for B in batches] + ([(B, 'compile') for B in batches] if use_compile else [])
    for B, mode in plan:
        try:
            row = time_mode(torch, cfg, data, B, mode)
            print(f"  torch {mode:10s} batch {B:5d} {row['samples_per_s']:12.0f} samples/s {row['ms_per_step']:8.3f} ms/step", flush=True)
        except Exception as e:  # noqa: BLE001 - one mode failing (no compiler for torch.compile, say) must not lose the rest
            row = {'framework': 'pytorch', 'mode': mode, 'batch': B, 'error': f'{type(e).__name__}: {e}'[:500]}
            print(f"  torch {mode:10s} batch {B:5d} failed: {row['error']}", flush=True)
        out.append(row)
        save(out)
    return out


def selftest():
    """Values of our counter RNG (src/model/rng.ts) that the port must reproduce."""
    assert pcg(0) == 129708002, pcg(0)
    m = dropout_mask(0, 0, 3, 8, 0.2)
    print(json.dumps({'pcg0': pcg(0), 'pcg123456789': pcg(123456789), 'mask_0_0_3': m}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dir', default='results')
    ap.add_argument('--batches', default='256,1024,4096')
    ap.add_argument('--no-compile', action='store_true')
    ap.add_argument('--out', default=None)
    ap.add_argument('--selftest', action='store_true')
    a = ap.parse_args()
    if a.selftest:
        return selftest()
    import torch
    result = {'torch': torch.__version__, 'cuda': torch.cuda.is_available()}

    def save(runs=None):
        if runs is not None:
            result['runs'] = runs
        with open(a.out or f'{a.dir}/torch.json', 'w') as f:
            json.dump(result, f, indent=1)
    try:
        result['parity'] = parity(torch, a.dir)
        print(f"  parity (float64, one step): worst normalised gradient difference {result['parity']['worst_normalised_diff']:.2e}", flush=True)
    except Exception as e:  # noqa: BLE001 - the throughput runs still count
        result['parity'] = {'error': f'{type(e).__name__}: {e}'[:500]}
        print(f"  parity failed: {result['parity']['error']}", flush=True)
    save()
    if torch.cuda.is_available():
        result['device'] = torch.cuda.get_device_name(0)
        _, meta = read_safetensors(f'{a.dir}/checkpoint-step0.safetensors')
        throughput(torch, json.loads(meta['config']), [int(b) for b in a.batches.split(',')], not a.no_compile, save)


if __name__ == '__main__':
    main()
