#!/usr/bin/env python3
"""Writes LINES ALB access-log entries (aws-semantics §11.2, every field 1-33)
as ELB would: gzipped files of 5 minutes each, one node, into DIR; for the
access-log speed benchmark in benches/README.md. Deterministic (a fixed
linear congruential generator), so two runs write the same bytes.

    python3 benches/gen_access_logs.py LINES DIR [RATE_PER_SECOND]
"""
import gzip
import os
import sys
from datetime import datetime, timedelta, timezone

lines = int(sys.argv[1])
out = sys.argv[2]
rate = float(sys.argv[3]) if len(sys.argv) > 3 else 1000.0
os.makedirs(out, exist_ok=True)

state = 12345
def draw():
    global state
    state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
    return (state >> 11) / float(1 << 53)

PATHS = ["/", "/api/orders", "/api/cart?id=7", "/about", "/static/app.js", "/api/users/42"]
base = datetime(2026, 11, 2, 0, 0, tzinfo=timezone.utc)
def iso(t):
    return (base + timedelta(microseconds=t)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

step_us = 1e6 / rate
t_us = 0.0
written = 0
file_start = 0
while written < lines:
    end_us = file_start + 300_000_000
    name = "123456789012_elasticloadbalancing_us-east-1_app.shop.50dc6c495c0c9188_{}_10.0.1.17_{:08x}.log.gz".format(
        (base + timedelta(microseconds=end_us)).strftime("%Y%m%dT%H%MZ"), file_start // 300_000_000)
    rows = []
    while written < lines and t_us < end_us:
        created = int(t_us)
        target = 0.005 + 0.2 * draw() * draw()
        path = PATHS[int(draw() * len(PATHS))]
        status = 200 if draw() < 0.99 else 503
        answered = created + int(target * 1e6) + 1
        rows.append(
            'https {} app/shop/50dc6c495c0c9188 203.0.113.{}:{} 10.0.1.{}:8080 0.000 {:.3f} 0.000 {} {} 120 {} '
            '"GET https://shop.example.com:443{} HTTP/1.1" "Mozilla/5.0 (X11; Linux x86_64)" '
            'ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 '
            'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067 '
            '"Root=1-6ae8979c-{:024x}" "shop.example.com" "arn:aws:acm:us-east-1:123456789012:certificate/1" 0 {} '
            '"forward" "-" "-" "10.0.1.{}:8080" "{}" "-" "-" TID_{:016x} "-" "-" "-"'.format(
                iso(answered), written % 250, 1024 + written % 60000, written % 20, target, status, status,
                500 + int(draw() * 5000), path, written, iso(created), written % 20, status, written))
        written += 1
        t_us += step_us * 2 * draw()
    rows.sort(key=lambda r: r.split(" ", 2)[1])  # a node writes an entry when the response is sent
    with gzip.open(os.path.join(out, name), "wt", compresslevel=6) as f:
        f.write("\n".join(rows) + "\n")
    file_start = end_us
print("{} lines, {} s of traffic, in {}".format(written, int(t_us / 1e6), out))
