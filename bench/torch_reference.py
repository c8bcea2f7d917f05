#!/usr/bin/python3
"""The reference workload's speed figures in PyTorch 1.13, measured exactly as
bench/train_step.cpp measures selfsup: the same networks (E, D), batch sizes,
loss, optimizer, warm-up, steps per repetition and median, and the same JSON
fields.

    /usr/bin/python3 bench/torch_reference.py [--threads N] [--reps N] [--json]
"""

import argparse
import json
import resource
import sys
import time

try:
    import torch
    from torch import nn
except ImportError:
    sys.exit("torch_reference.py: PyTorch is missing; install the Debian package python3-torch")

TRAIN_BATCH = 128
INFERENCE_BATCH = 256
WARMUP_STEPS = 5
TRAIN_STEPS_PER_REP = 5
INFERENCE_STEPS_PER_REP = 10
ENCODER_PARAMETERS = 457280


def make_encoder():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, stride=1, padding=1), nn.ReLU(),
        nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(64, 64, 3, stride=2, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(3136, 128))


def make_decoder():
    return nn.Sequential(
        nn.Linear(128, 3136), nn.ReLU(), nn.Unflatten(1, (64, 7, 7)),
        nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1), nn.ReLU(),
        nn.ConvTranspose2d(32, 1, 4, stride=2, padding=1), nn.Sigmoid())


def median_images_per_s(reps, steps, batch, body):
    rates = []
    for _ in range(reps):
        start = time.perf_counter()
        for _ in range(steps):
            body()
        rates.append(steps * batch / (time.perf_counter() - start))
    rates.sort()
    return rates[len(rates) // 2]


def measure(threads, reps):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    encoder, decoder = make_encoder(), make_decoder()
    assert sum(p.numel() for p in encoder.parameters()) == ENCODER_PARAMETERS
    adam = torch.optim.Adam(list(encoder.parameters()) + list(decoder.parameters()), lr=1e-3)
    bce = nn.BCELoss()
    last_loss = [0.0]

    # 1. Train: one full autoencoder step per call, as a training loop runs it.
    train_images = torch.rand(TRAIN_BATCH, 1, 28, 28)

    def train_step():
        adam.zero_grad()
        loss = bce(decoder(encoder(train_images)), train_images)
        loss.backward()
        adam.step()
        last_loss[0] = loss.item()

    for _ in range(WARMUP_STEPS):
        train_step()
    train_rate = median_images_per_s(reps, TRAIN_STEPS_PER_REP, TRAIN_BATCH, train_step)
    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux

    # 2. Inference: E alone, without recording a graph.
    inference_images = torch.rand(INFERENCE_BATCH, 1, 28, 28)
    encoder.eval()
    with torch.no_grad():
        def inference_step():
            encoder(inference_images)

        for _ in range(WARMUP_STEPS):
            inference_step()
        inference_rate = median_images_per_s(reps, INFERENCE_STEPS_PER_REP, INFERENCE_BATCH,
                                             inference_step)
    return train_rate, inference_rate, peak_rss_mib, last_loss[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    train_rate, inference_rate, peak_rss_mib, last_loss = measure(args.threads, args.reps)
    if args.json:
        print(json.dumps({
            "framework": f"pytorch {torch.__version__}", "threads": args.threads,
            "reps": args.reps, "train_batch": TRAIN_BATCH, "inference_batch": INFERENCE_BATCH,
            "train_images_per_s": round(train_rate, 1),
            "inference_images_per_s": round(inference_rate, 1),
            "peak_rss_mib": round(peak_rss_mib, 1), "last_loss": round(last_loss, 5)}))
    else:
        print(f"pytorch {torch.__version__}, {args.threads} threads, "
              f"median of {args.reps} repetitions")
        print(f"  train (E+D, batch {TRAIN_BATCH}):   {train_rate:9.1f} images/s")
        print(f"  inference (E, batch {INFERENCE_BATCH}): {inference_rate:9.1f} images/s")
        print(f"  peak resident memory:     {peak_rss_mib:9.1f} MiB")


if __name__ == "__main__":
    main()
