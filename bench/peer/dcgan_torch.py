#!/usr/bin/env python3
"""PyTorch peer of the DCGAN training step (npm run bench; tools/bench/peer.ts runs it).

The same nets and the same step as the project's (lib/models/dcgan.ts, lib/train/step.ts), on random
data, so it measures compute only (no loading, decoding or checkpoints):

  G(z):  ConvT(100 -> 512, k, valid), then 4x4 stride-2 ConvTs 256, 128, 64 and to the image's channels;
         BatchNorm + ReLU after every hidden layer, tanh at the end, no bias.
  D(x):  4x4 stride-2 convs 64, 128, 256, 512 (BatchNorm on all but the first) + LeakyReLU 0.2, then
         Conv(512 -> 1, k, valid): one logit per image, no bias.
  nets:  celeba64 (64x64x3, k = 4: 4 -> 8 -> 16 -> 32 -> 64) and fer48 (48x48x1, k = 3: 3 -> 6 -> ... -> 48).
  init:  conv weights ~ N(0, 0.02), BatchNorm gamma ~ N(1, 0.02), beta 0 (PyTorch's BatchNorm: eps 1e-5).

One step on a batch of B (Adam 2e-4, betas 0.5 / 0.999 for both nets):
  D: BCE(D(real), 1), backward; fake = G(z); BCE(D(fake.detach()), 0), backward; Adam (the gradient of
     the sum, as lib/train/step.ts; two backward passes free the real half's graph before G runs).
  G: BCE(D(fake), 1) with the updated D, reusing G's forward pass; backward through D and G; Adam.
BCE is on logits (BCEWithLogitsLoss, as lib/train/loss.ts's bceWithLogits): the same function as the
tutorial's Sigmoid + BCELoss.

FLOPs, analytic (the formula of tools/bench/flops.ts; test/unit/bench-flops.test.ts checks they agree):
forward multiply-adds per image x 2, Conv2d Cin*Cout*k*k*Hout*Wout, ConvTranspose2d Cin*Cout*k*k*Hin*Win;
a layer's backward adds one forward for its weight gradient and one for its input gradient (none for a
first layer, whose input is data or noise). Per image:
  step = 9 fwdD - 2 fwdD1 + 3 fwdG - fwdG1
(D runs forward 3 times with 3 weight gradients, as PyTorch's G backward computes D's weight gradients
too; its input gradients are taken in all but layer 1 twice and in all layers once; G runs forward once.)
BatchNorm, activations, losses and Adam are not counted, but their time is measured.

Layout: channels_last (default) is PyTorch's fastest CPU layout for these convolutions (oneDNN's blocked
kernels; nets and batches); --memory-format contiguous runs plain NCHW.

Install the CPU build offline (this machine's local index; see `pip config list` and bench/peer/README.md):
  python3 -m venv .venv-bench
  .venv-bench/bin/pip install --index-url file:///opt/pypi/simple \\
      --extra-index-url file:///opt/pypi-more/simple "torch==2.13.0+cpu" numpy
Run (what `npm run bench` does for each net):
  OMP_WAIT_POLICY=PASSIVE .venv-bench/bin/python bench/peer/dcgan_torch.py --config celeba64 --batch 128 --threads 2 --json
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

import torch
import torch.nn as nn

NZ, NGF, NDF = 100, 64, 64
# name: (side, channels, kernel of G's first and D's last layer)
CONFIGS = {'celeba64': (64, 3, 4), 'fer48': (48, 1, 3)}


def bn_relu(c):
    return [nn.BatchNorm2d(c), nn.ReLU(inplace=True)]


def generator(nc, k):
    w = [NGF * 8, NGF * 4, NGF * 2, NGF]
    layers = [nn.ConvTranspose2d(NZ, w[0], k, 1, 0, bias=False), *bn_relu(w[0])]
    for c_in, c_out in zip(w, w[1:]):
        layers += [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False), *bn_relu(c_out)]
    layers += [nn.ConvTranspose2d(NGF, nc, 4, 2, 1, bias=False), nn.Tanh()]
    return nn.Sequential(*layers)


def discriminator(nc, k):
    w = [nc, NDF, NDF * 2, NDF * 4, NDF * 8]
    layers = []
    for i, (c_in, c_out) in enumerate(zip(w, w[1:])):
        layers.append(nn.Conv2d(c_in, c_out, 4, 2, 1, bias=False))
        if i > 0:
            layers.append(nn.BatchNorm2d(c_out))
        layers.append(nn.LeakyReLU(0.2, inplace=True))
    layers.append(nn.Conv2d(NDF * 8, 1, k, 1, 0, bias=False))
    return nn.Sequential(*layers)


def init_weights(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def conv_macs(net, shape):
    """[(description, multiply-adds per image)] of every conv layer, from one forward pass."""
    found = []

    def hook(m, inp, out):
        h_in, h_out = inp[0].shape[2], out.shape[2]
        transposed = isinstance(m, nn.ConvTranspose2d)
        spatial = h_in * inp[0].shape[3] if transposed else h_out * out.shape[3]
        k = m.kernel_size[0] * m.kernel_size[1]
        found.append(('%s %d->%d k%d %dx%d->%dx%d' % ('convT' if transposed else 'conv', m.in_channels, m.out_channels,
                                                    m.kernel_size[0], h_in, h_in, h_out, h_out),
                      m.in_channels * m.out_channels // m.groups * k * spatial))
    hs = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    net.eval()
    with torch.no_grad():
        out = net(torch.zeros(shape))
    net.train()
    for h in hs:
        h.remove()
    return found, out.shape


def step_flops(g_layers, d_layers):
    """(FLOPs of one step per image, forward FLOPs of G, of D), as in the docstring."""
    fwd_g, fwd_d = sum(2 * m for _, m in g_layers), sum(2 * m for _, m in d_layers)
    return 9 * fwd_d - 2 * 2 * d_layers[0][1] + 3 * fwd_g - 2 * g_layers[0][1], fwd_g, fwd_d


def blas_libraries():
    """The BLAS libraries mapped into this process (Linux)."""
    try:
        with open('/proc/self/maps') as f:
            return sorted({line.split()[-1] for line in f if 'blas' in line.lower() or 'blis' in line.lower()})
    except OSError:
        return []


def cpu_now():
    """(wall s, this process's CPU s, the whole machine's busy CPU s from /proc/stat)."""
    busy = float('nan')
    try:
        with open('/proc/stat') as f:
            v = [int(x) for x in f.readline().split()[1:]]
        busy = (sum(v[:8]) - v[3] - v[4]) / os.sysconf('SC_CLK_TCK')  # all but idle and iowait
    except (OSError, ValueError):
        pass
    t = os.times()
    return time.perf_counter(), t.user + t.system, busy


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--config', choices=sorted(CONFIGS), default='celeba64')
    ap.add_argument('--batch', type=int, default=128)
    ap.add_argument('--threads', type=int, default=0, help='torch.set_num_threads(N); 0 leaves torch\'s default')
    ap.add_argument('--warmup', type=int, default=3)
    ap.add_argument('--steps', type=int, default=10, help='timed steps')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--memory-format', choices=('channels_last', 'contiguous'), default='channels_last')
    ap.add_argument('--json', action='store_true', help='also print one line: JSON {...}')
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    side, nc, k = CONFIGS[a.config]
    B = a.batch
    G, D = generator(nc, k), discriminator(nc, k)
    G.apply(init_weights)
    D.apply(init_weights)
    g_layers, g_out = conv_macs(G, (2, NZ, 1, 1))
    d_layers, d_out = conv_macs(D, (2, nc, side, side))
    assert tuple(g_out) == (2, nc, side, side) and tuple(d_out) == (2, 1, 1, 1), (g_out, d_out)
    per_image, fwd_g, fwd_d = step_flops(g_layers, d_layers)
    flops = per_image * B

    layout = torch.channels_last if a.memory_format == 'channels_last' else torch.contiguous_format
    G, D = G.to(memory_format=layout), D.to(memory_format=layout)
    real = (torch.rand(B, nc, side, side) * 2 - 1).contiguous(memory_format=layout)  # one fixed batch in [-1, 1]
    ones, zeros = torch.ones(B), torch.zeros(B)
    bce = nn.BCEWithLogitsLoss()
    optG = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))

    def train_step():
        # (1) Update D: maximise log D(x) + log(1 - D(G(z))); the real half's graph is freed before G runs
        optD.zero_grad(set_to_none=True)
        loss_real = bce(D(real).view(-1), ones)
        loss_real.backward()
        fake = G(torch.randn(B, NZ, 1, 1))
        loss_fake = bce(D(fake.detach()).view(-1), zeros)
        loss_fake.backward()
        lossD = loss_real + loss_fake
        optD.step()
        # (2) Update G: maximise log D(G(z)), with the updated D
        optG.zero_grad(set_to_none=True)
        lossG = bce(D(fake).view(-1), ones)
        lossG.backward()
        optG.step()
        return lossD.item(), lossG.item()

    for _ in range(a.warmup):
        train_step()
    times = []
    before = cpu_now()
    for _ in range(a.steps):
        t0 = time.perf_counter()
        losses = train_step()
        times.append(time.perf_counter() - t0)
    after = cpu_now()
    wall = after[0] - before[0]
    own = (after[1] - before[1]) / wall
    # CPU the machine's other processes used meanwhile, in cores (0 on a quiet machine).
    other = max(0.0, (after[2] - before[2]) - (after[1] - before[1])) / wall

    med = statistics.median(times)
    res = {
        'config': a.config, 'batch': B, 'threads': torch.get_num_threads(), 'warmup': a.warmup, 'timed_steps': a.steps,
        's_per_step_median': med, 's_per_step_min': min(times), 's_per_step_max': max(times), 'images_per_s': B / med,
        'flops_per_step': flops, 'gflops_per_s': flops / med / 1e9,
        'fwd_mflop_per_image_G': fwd_g / 1e6, 'fwd_mflop_per_image_D': fwd_d / 1e6,
        'params_G': sum(p.numel() for p in G.parameters()), 'params_D': sum(p.numel() for p in D.parameters()),
        'torch': torch.__version__, 'memory_format': a.memory_format, 'python': platform.python_version(),
        'mkldnn': torch.backends.mkldnn.is_available(), 'blas': blas_libraries(),
        'own_cpu_cores': own, 'other_cpu_cores': other, 'cpu_count': os.cpu_count(), 'last_losses': losses,
    }
    print('config          %s (%dx%dx%d), batch %d, %d threads, %s' % (a.config, side, side, nc, B, res['threads'], a.memory_format))
    print('torch           %s, mkldnn %s, BLAS %s' % (torch.__version__, res['mkldnn'], ', '.join(res['blas']) or '?'))
    print('conv layers G   ' + '; '.join('%s %.1fM MAC' % (n, m / 1e6) for n, m in g_layers))
    print('conv layers D   ' + '; '.join('%s %.1fM MAC' % (n, m / 1e6) for n, m in d_layers))
    print('s/step          median %.4f (min %.4f, max %.4f) over %d steps after %d warm-up' % (med, min(times), max(times), a.steps, a.warmup))
    print('images/s        %.2f' % res['images_per_s'])
    print('GFLOP/s         %.2f (%.2f GFLOP/step, %.1f MFLOP/image)' % (res['gflops_per_s'], flops / 1e9, per_image / 1e6))
    print('cpu (timed)     this process %.2f cores, others %.2f (of %d)' % (own, other, os.cpu_count()))
    if a.json:
        print('JSON ' + json.dumps(res))
    sys.stdout.flush()


if __name__ == '__main__':
    main()
