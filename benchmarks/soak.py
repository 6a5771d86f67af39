"""A bounded long run: memory stays flat once the journal is at its cap.

    python -m benchmarks.soak [--requests N] [--cap N] [--json FILE]

Sends attach/list/detach cycles through the app (no socket), then reports the Python heap
(tracemalloc) at each tenth of the run; growth after the journal fills is the figure.
"""

from __future__ import annotations

import argparse
import gc
import json
import tracemalloc
from typing import Any

from fakenova import create_app


def soak(requests: int, cap: int) -> dict[str, Any]:
    app = create_app(journal_cap=cap)
    cloud = app.extensions["fakenova"]
    client = app.test_client()
    token = client.post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "demo", "domain": {"name": "Default"}, "password": "demo"}}},
        "scope": {"project": {"name": "demo", "domain": {"name": "Default"}}}}}
    ).headers["X-Subject-Token"]
    server = cloud.state.add_server("vm")
    volume = cloud.state.add_volume("data")
    headers = {"X-Auth-Token": token, "OpenStack-API-Version": "compute 2.89"}
    base = f"/compute/v2.1/servers/{server.id}/os-volume_attachments"
    cycle = [("POST", base, {"volumeAttachment": {"volumeId": volume.id}}),
             ("GET", base, None), ("DELETE", f"{base}/{volume.id}", None)]
    tracemalloc.start()
    samples: list[tuple[int, float]] = []
    errors = 0
    for sent in range(requests):
        method, path, body = cycle[sent % len(cycle)]
        answer = client.open(path, method=method, json=body, headers=headers)
        errors += answer.status_code >= 500
        if (sent + 1) % max(1, requests // 10) == 0:
            gc.collect()
            samples.append((sent + 1, tracemalloc.get_traced_memory()[0] / 2**20))
    tracemalloc.stop()
    after_fill = [mib for sent, mib in samples if sent >= 2 * cap]
    per_10k = ((after_fill[-1] - after_fill[0]) / max(1, samples[-1][0] - 2 * cap) * 10_000
               if len(after_fill) > 1 else 0.0)
    return {"requests": requests, "journal_cap": cap, "journal_len": len(cloud.journal),
            "5xx": errors, "heap_mib_by_requests": samples,
            "growth_mib_per_10k_after_cap": round(per_10k, 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--cap", type=int, default=10_000)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    result = soak(args.requests, args.cap)
    for sent, mib in result["heap_mib_by_requests"]:
        print(f"after {sent:>7} requests  heap {mib:8.2f} MiB")
    for name, value in result.items():
        if name != "heap_mib_by_requests":
            print(f"{name:<30} {value}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(result, out, indent=2)


if __name__ == "__main__":
    main()
