#!/usr/bin/env python3
"""PyTorch peer of the translator v2 training iteration (issue #23; tools/bench/translator-bench.ts).

The same networks and the same iteration as the project's v2 paper preset (experiments/translate.ts
ferTranslateV2; lib/train/translate-step.ts), on random data, so it measures compute only:

  G(x, t): 7 one-hot label maps concatenated to x (48x48x1); 7x7 conv 32, two 4x4 stride-2 convs 64, 128,
           3 residual blocks at 12x12, decoder: 2x (nearest x2 upsample, 3x3 conv) 64, 32, then 7x7 conv 1,
           tanh, out = clip(x + d, -1, 1). Instance norm (affine) + ReLU after every hidden conv, no bias.
  D(x):    four 4x4 stride-2 convs 32..256 (bias) + LeakyReLU 0.01, a 3x3 conv to 7 real/fake maps
           (one per expression) and a 3x3 valid conv to 7 expression logits.
  C(x):    the frozen loss classifier (experiments/translate-classifier.ts): 2x2 space-to-depth,
           conv3x3 32,32 | pool | 64,64 | pool | 128 | pool, BatchNorm (eval) + ReLU, dense 128 + BN + ReLU, dense 7.

One iteration (nCritic 1) on a batch of B faces:
  G forward once for both steps: e = G(x, t) (the D step takes it detached, as translatorIteration)
  D step: softplus(-D_s(x)) + softplus(D_t(e)) + 1 x CE(D_cls(x), s)
          + R1 (weight 1): 1/2 |grad_x D_s(x)|^2 (double backprop; D runs once on x); Adam.
          --r1-every N: lazy R1 (losses.r1Every), on every N-th D update only, weighted N x; the time is then
          the mean over the timed iterations (a multiple of N), not the median.
  G step: softplus(-D_t(e)) + 1 x CE(C(shift/flip/noise(e)), t) + 2 x |G(e, s) - x|
          + 2 x |G(x, s) - x| (G(x, t) and G(x, s) in one pass of 2B faces); Adam (C frozen).

FLOPs per iteration, analytic (the same formula as the tfjs side): forward multiply-adds x 2 of each
net per image (Gf, Df, Cf from the layer shapes), training pass = 3 x forward; the R1 double backprop
counted as one more training pass of D on the real faces:
  D step: 3 Df (real) + 3 Df (fake) + 3 Df (R1) / r1_every     G step: 3 x 3 Gf + 3 Df + 3 Cf     (per image)

Install the CPU build offline (this machine's local index; see `pip config list`):
  python3 -m venv .venv-bench
  .venv-bench/bin/pip install --index-url file:///opt/pypi/simple \
      --extra-index-url file:///opt/pypi-more/simple "torch==2.13.0+cpu" numpy
Run (what `npm run bench -- --translator` does):
  OMP_WAIT_POLICY=PASSIVE .venv-bench/bin/python bench/peer/translator_torch.py --batch 16 --threads 2 --json
"""

import argparse
import json
import os
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

K = 7


def in_relu(c):
    return [nn.InstanceNorm2d(c, affine=True, eps=1e-5), nn.ReLU()]


class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, bias=False), *in_relu(c),
                                  nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.InstanceNorm2d(c, affine=True, eps=1e-5))

    def forward(self, h):
        return h + self.body(h)


class Generator(nn.Module):
    def __init__(self, g=32, res=3):
        super().__init__()
        layers = [nn.Conv2d(1 + K, g, 7, 1, 3, bias=False), *in_relu(g),
                  nn.Conv2d(g, 2 * g, 4, 2, 1, bias=False), *in_relu(2 * g),
                  nn.Conv2d(2 * g, 4 * g, 4, 2, 1, bias=False), *in_relu(4 * g)]
        layers += [ResBlock(4 * g) for _ in range(res)]
        layers += [nn.Upsample(scale_factor=2, mode='nearest'), nn.Conv2d(4 * g, 2 * g, 3, 1, 1, bias=False), *in_relu(2 * g),
                   nn.Upsample(scale_factor=2, mode='nearest'), nn.Conv2d(2 * g, g, 3, 1, 1, bias=False), *in_relu(g),
                   nn.Conv2d(g, 1, 7, 1, 3, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, x, y):
        maps = y[:, :, None, None].expand(-1, -1, x.shape[2], x.shape[3])
        d = self.net(torch.cat([x, maps], 1))
        return torch.clamp(x + d, -1, 1)


class Discriminator(nn.Module):
    def __init__(self, d=32, layers=4):
        super().__init__()
        mods, c_in = [], 1
        for i in range(layers):
            mods += [nn.Conv2d(c_in, d * 2 ** i, 4, 2, 1), nn.LeakyReLU(0.01)]
            c_in = d * 2 ** i
        self.trunk = nn.Sequential(*mods)
        self.src = nn.Conv2d(c_in, K, 3, 1, 1, bias=False)
        self.cls = nn.Conv2d(c_in, K, 3, 1, 0, bias=False)

    def forward(self, x):
        h = self.trunk(x)
        return self.src(h), self.cls(h).flatten(1)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        mods, c_in = [], 4
        for widths in [[32, 32], [64, 64], [128]]:
            for w in widths:
                mods += [nn.Conv2d(c_in, w, 3, 1, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU()]
                c_in = w
            mods.append(nn.MaxPool2d(2))
        self.body = nn.Sequential(*mods)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(c_in * 3 * 3, 128, bias=False), nn.BatchNorm1d(128), nn.ReLU(), nn.Linear(128, K))

    def forward(self, x):
        return self.head(self.body(F.pixel_unshuffle(x, 2)))


def conv_flops(model, *inputs):
    """2 x multiply-adds of every Conv2d/Linear in one forward pass of one image."""
    total = [0]

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            total[0] += 2 * m.in_channels * m.out_channels * m.kernel_size[0] * m.kernel_size[1] * out.shape[2] * out.shape[3] // m.groups
        elif isinstance(m, nn.Linear):
            total[0] += 2 * m.in_features * m.out_features
    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model(*inputs)
    for h in hs:
        h.remove()
    return total[0]


def score(src, y):
    return (src * y[:, :, None, None]).sum(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--steps', type=int, default=10)
    ap.add_argument('--json', action='store_true')
    ap.add_argument('--r1-every', type=int, default=1, help='lazy R1: on every N-th D update only, weighted N x (losses.r1Every)')
    ap.add_argument('--profile', action='store_true', help='time the iteration\'s parts (tools/bench/translator-profile.ts)')
    ap.add_argument('--memory-format', choices=('channels_last', 'contiguous'), default='channels_last',
                    help='tensor layout of the nets and batches; channels_last (default) is PyTorch\'s fastest CPU layout, '
                         'as in the DCGAN peer (shared/bench/dcgan_torch.py); contiguous is the NCHW layout measured before')
    a = ap.parse_args()
    cl = a.memory_format == 'channels_last'
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    G, D, C = Generator(), Discriminator(), Classifier()
    if cl:
        G, D, C = (m.to(memory_format=torch.channels_last) for m in (G, D, C))
    C.eval()
    for p in C.parameters():
        p.requires_grad_(False)
    optG = torch.optim.Adam(G.parameters(), 1e-4, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), 1e-4, betas=(0.5, 0.999))
    B = a.batch
    one = torch.rand(1, 1, 48, 48) * 2 - 1
    oy = torch.eye(K)[:1]
    G.eval(); D.eval()
    gf, df, cf = conv_flops(G, one, oy), conv_flops(D, one), conv_flops(C, one)
    G.train(); D.train()
    flops = B * ((3 * df + 3 * df + 3 * df / a.r1_every) + (3 * 3 * gf + 3 * df + 3 * cf))

    d_updates = [0]

    def iteration():
        lazy = d_updates[0] % a.r1_every == 0
        d_updates[0] += 1
        x, s, t = batch()
        # G forward once for both steps (translatorIteration): the D step takes the edits detached; G(x, t) and
        # G(x, s) of the identity term in one pass of 2B faces, as generatorStep
        both = G(torch.cat([x, x]), torch.cat([t, s]))
        e, same = both[:B], both[B:]
        # D step
        xr = x.clone().requires_grad_(lazy)
        rs, rc = D(xr)
        fs, _ = D(e.detach())
        real = score(rs, s)
        adv = F.softplus(-real).mean() + F.softplus(score(fs, t)).mean()
        lossD = adv + F.cross_entropy(rc, s.argmax(1))
        if lazy:
            g, = torch.autograd.grad(real.sum(), xr, create_graph=True)
            r1 = 0.5 * g.pow(2).sum((1, 2, 3)).mean()
            lossD = lossD + 1.0 * a.r1_every * r1
        optD.zero_grad(set_to_none=True)
        lossD.backward()
        optD.step()
        lossG = g_step(x, s, t, e, same)  # D updated
        return lossD.item() + lossG.item()

    def batch():
        x = torch.rand(B, 1, 48, 48) * 2 - 1
        if cl:
            x = x.contiguous(memory_format=torch.channels_last)
        return x, torch.eye(K)[torch.randint(0, K, (B,))], torch.eye(K)[torch.randint(0, K, (B,))]

    def d_loss(x, s, t, e, r1):
        xr = x.clone().requires_grad_(r1)
        rs, rc = D(xr)
        fs, _ = D(e)
        real = score(rs, s)
        loss = F.softplus(-real).mean() + F.softplus(score(fs, t)).mean() + F.cross_entropy(rc, s.argmax(1))
        if r1:
            g, = torch.autograd.grad(real.sum(), xr, create_graph=True)
            loss = loss + 0.5 * g.pow(2).sum((1, 2, 3)).mean()
        return loss

    def augment(e):
        dy, dx = torch.randint(-3, 4, (2,)).tolist()
        v = F.pad(e, (3, 3, 3, 3))[:, :, 3 + dy:3 + dy + 48, 3 + dx:3 + dx + 48]
        flip = (torch.rand(B, 1, 1, 1) < 0.5).float()
        return v + flip * (v.flip(3) - v) + 0.05 * torch.randn_like(v)

    def g_step(x, s, t, e, same):
        """G's update on its edits e = G(x, t) and same = G(x, s), as generatorStep: adversarial, frozen classifier
        on the augmented edits, cycle and identity terms."""
        fs, _ = D(e)
        cls = F.cross_entropy(C(augment(e)), t.argmax(1))
        rec = (G(e, s) - x).abs().mean()
        idt = (same - x).abs().mean()
        lossG = F.softplus(-score(fs, t)).mean() + cls + 2 * rec + 2 * idt
        optG.zero_grad(set_to_none=True)
        lossG.backward()
        optG.step()
        return lossG

    def profile_round():
        """The parts of tools/bench/translator-profile.ts, ms."""
        ms = {}

        def time_it(name, f):
            t0 = time.perf_counter()
            f()
            ms[name] = (time.perf_counter() - t0) * 1000
        x, s, t = batch()
        with torch.no_grad():
            e = G(x, t)
        def g_forward():
            with torch.no_grad():
                G(x, t)
        time_it('G forward', g_forward)
        time_it('D fwd+bwd', lambda: torch.autograd.grad(d_loss(x, s, t, e, False), list(D.parameters())))

        def c_part():
            ei = e.clone().requires_grad_(True)
            torch.autograd.grad(F.cross_entropy(C(augment(ei)), t.argmax(1)), ei)
        time_it('C fwd+bwd', c_part)

        def d_image():
            ei = e.clone().requires_grad_(True)
            torch.autograd.grad(F.softplus(-score(D(ei)[0], t)).mean(), ei)
        time_it('D to image', d_image)
        for name, opt in (('Adam D', optD), ('Adam G', optG)):
            for group in opt.param_groups:
                for p in group['params']:
                    p.grad = torch.zeros_like(p)
            time_it(name, opt.step)
        iteration_parts(x, s, t, ms)
        t0 = time.perf_counter()
        iteration()
        ms['iteration'] = (time.perf_counter() - t0) * 1000
        ms['R1'] = ms['D step'] - ms['G forward'] - ms['D fwd+bwd'] - ms['Adam D']
        ms['G 3x fwd+bwd'] = ms['G step'] - ms['C fwd+bwd'] - ms['D to image'] - ms['Adam G']
        return ms

    def iteration_parts(x, s, t, ms):
        # the parts as tools/bench/translator-profile.ts times them: each step with its own G(x, t)
        t0 = time.perf_counter()
        with torch.no_grad():
            e = G(x, t)
        lossD = d_loss(x, s, t, e, True)
        optD.zero_grad(set_to_none=True)
        lossD.backward()
        optD.step()
        t1 = time.perf_counter()
        both = G(torch.cat([x, x]), torch.cat([t, s]))
        lossG = g_step(x, s, t, both[:B], both[B:])
        t2 = time.perf_counter()
        ms['D step'] = (t1 - t0) * 1000
        ms['G step'] = (t2 - t1) * 1000
        return lossD.item() + lossG.item()

    if a.profile:
        rounds = [profile_round() for _ in range(a.steps + 1)][1:]
        prof = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
        print('JSON ' + json.dumps({'config': 'translator-v2-profile', 'batch': B, 'threads': a.threads, 'rounds': a.steps, 'profile_ms': prof, 'torch': torch.__version__, 'memory_format': a.memory_format}))
        return

    for _ in range(a.warmup):
        iteration()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        iteration()
        times.append(time.perf_counter() - t0)
    # lazy R1: the mean over whole periods of r1_every iterations (a median would be an iteration without R1)
    med = statistics.median(times) if a.r1_every == 1 else statistics.mean(times)
    out = {'config': 'translator-v2', 'r1_every': a.r1_every, 'batch': B, 'threads': a.threads, 'timed_steps': a.steps, 's_per_step_median': med,
           's_per_step_min': min(times), 's_per_step_max': max(times), 'images_per_s': B / med, 'flops_per_step': flops,
           'gflops_per_s': flops / med / 1e9, 'forward_flops': {'G': gf, 'D': df, 'C': cf}, 'torch': torch.__version__,
           'memory_format': a.memory_format}
    if a.json:
        print('JSON ' + json.dumps(out))
    else:
        print(f"translator v2 iteration, batch {B}, {a.threads} threads, {a.memory_format}: {med:.3f} s/iteration, {B / med:.1f} faces/s, {flops / med / 1e9:.1f} GFLOP/s")


if __name__ == '__main__':
    main()
