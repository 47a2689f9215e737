"""The function's image under Docker: its size, its cold start, the time to build (a script).

    make bench-sam-docker    (writes bench/results/sam_docker.json)
    .venv/bin/python bench/sam_docker.py --fresh    (first removes the cached images: a new machine)

It prints, and writes as JSON with the commit, date and load average:

- the time to make the base image (tools/aws/standin_base_image.sh: a pull, or the stand-in's
  debootstrap and docker build; about nothing when cached) and to `sam build` the function;
- the function image's size (Docker's uncompressed size) and the base image's;
- the cold start, median of --cold runs: `docker run` of the image as Lambda runs it (read-only,
  non-root, the template's memory limit, SAM's emulator; tools/aws/sam_docker.py) until the
  first canvas prediction is answered; and the wall time of one `sam local invoke`;
- warm prediction latency through the emulator (median and p90 of --warm canvas PNGs).

Docker's start-up and this machine's cores are not Lambda's: compare runs with each other.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "function"), str(ROOT)]

from bench.provenance import short_commit, utc_stamp  # noqa: E402

from tools.aws.sam_docker import (  # noqa: E402
    LambdaLikeContainer,
    docker_unavailable,
    ensure_base_image,
    image_size_bytes,
    sam_build,
    sam_local_invoke,
    standin_notice,
)
from tools.canvas import canvas_png, data_url  # noqa: E402
from tools.local.lambda_local import describe_function  # noqa: E402

BASE_IMAGE = "public.ecr.aws/lambda/python:3.12"  # function/Dockerfile's FROM (checked below)
ROOTFS_PREFIX = "digit-lambda/standin-rootfs"
EVENTS = ROOT / "events"
MB = 1_000_000


def predict_event(digit: int = 3, variant: int = 0) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((EVENTS / "http-v2-predict-json.json").read_text())
    payload["body"] = json.dumps({"image": data_url(canvas_png(digit, variant=variant))})
    return payload


def remove_cached_images(function_image: str) -> None:
    """What a fresh machine lacks: the stand-in (or pulled) base, its rootfs, the function."""
    listed = subprocess.run(
        ["docker", "images", "--format", "{{.Repository}}:{{.Tag}}"],  # noqa: S607 - docker CLI
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    doomed = [
        name
        for name in listed
        if name in {BASE_IMAGE, function_image}
        or name.startswith((ROOTFS_PREFIX, function_image.split(":")[0] + ":"))
    ]
    if doomed:
        subprocess.run(  # noqa: S603 - docker CLI, our own image names
            ["docker", "rmi", "--force", *doomed],  # noqa: S607 - docker CLI
            capture_output=True,
            check=False,
        )
    subprocess.run(  # fixed docker CLI arguments
        ["docker", "builder", "prune", "--force"],  # noqa: S607 - docker CLI
        capture_output=True,
        check=False,
    )


def timed(action: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def cold_start_ms(image: str, described: dict[str, Any]) -> float:
    """docker run (Lambda-like) -> the first prediction answered, in ms."""
    event = predict_event()
    start = time.perf_counter()
    with LambdaLikeContainer(image, described=described) as container:
        answer = container.invoke(event)
        elapsed = (time.perf_counter() - start) * 1000
    if answer["statusCode"] != 200:
        raise RuntimeError(f"cold start answered {answer}")
    return elapsed


def warm_latencies_ms(image: str, described: dict[str, Any], count: int) -> list[float]:
    events = [predict_event(digit, variant) for variant in range(4) for digit in range(10)]
    latencies = []
    with LambdaLikeContainer(image, described=described) as container:
        container.invoke(events[0])  # the cold start
        for index in tqdm(range(count), desc="warm predictions", unit="req"):
            start = time.perf_counter()
            answer = container.invoke(events[index % len(events)])
            latencies.append((time.perf_counter() - start) * 1000)
            if answer["statusCode"] != 200:
                raise RuntimeError(f"a warm prediction answered {answer}")
    return latencies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cold", type=int, default=5, help="cold starts (median)")
    parser.add_argument("--warm", type=int, default=40, help="warm predictions")
    parser.add_argument("--fresh", action="store_true", help="remove the cached images first")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    reason = docker_unavailable()
    if reason is not None:
        print(f"cannot run: {reason}")
        return 1
    dockerfile = (ROOT / "function" / "Dockerfile").read_text(encoding="utf-8")
    if f"FROM {BASE_IMAGE}" not in dockerfile:
        raise SystemExit(f"function/Dockerfile no longer starts FROM {BASE_IMAGE}: update me")
    load_before = [round(x, 2) for x in os.getloadavg()]
    print(f"machine: {os.cpu_count()} cores, load average {load_before}", flush=True)
    build_dir = ROOT / "build" / "bench-sam-docker"
    if args.fresh:
        print("removing the cached images (a fresh machine)...")
        remove_cached_images("digitfunction:python3.12-v1")
    print("base image...", flush=True)
    _, base_s = timed(ensure_base_image)
    notice = standin_notice()
    if notice:
        print(notice)
    print("sam build...", flush=True)
    built, build_s = timed(lambda: sam_build(build_dir))
    size = image_size_bytes(built.image)
    base_size = image_size_bytes(BASE_IMAGE)
    print(f"  base image ready in {base_s:.1f} s, sam build in {build_s:.1f} s")
    print(f"  {built.image}: {size / MB:.0f} MB (base {base_size / MB:.0f} MB)")

    described = describe_function()  # the template's memory and environment, read once
    colds = [
        cold_start_ms(built.image, described) for _ in tqdm(range(args.cold), desc="cold starts")
    ]
    print(
        f"  cold start (docker run -> first prediction): median {statistics.median(colds):.0f} ms"
    )
    sam_local_invoke(built, predict_event())  # the first one layers SAM's emulator on the image
    _, invoke_s = timed(lambda: sam_local_invoke(built, predict_event()))
    print(f"  one `sam local invoke` (SAM, container, cold start): {invoke_s:.1f} s")
    warm = sorted(warm_latencies_ms(built.image, described, args.warm))
    p50, p90 = statistics.median(warm), warm[int(0.9 * (len(warm) - 1))]
    print(f"  warm prediction through the emulator: p50 {p50:.1f} ms, p90 {p90:.1f} ms")

    report = {
        "machine": {
            "date": utc_stamp(),
            "commit": short_commit(),
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "fresh": args.fresh,
        "base_image": BASE_IMAGE,
        "base_is_standin": bool(notice),
        "notice": notice,
        "base_image_seconds": round(base_s, 1),
        "sam_build_seconds": round(build_s, 1),
        "image": built.image,
        "image_bytes": size,
        "base_image_bytes": base_size,
        "cold_start_ms": [round(x) for x in colds],
        "cold_start_median_ms": round(statistics.median(colds)),
        "sam_local_invoke_seconds": round(invoke_s, 1),
        "warm_p50_ms": round(p50, 2),
        "warm_p90_ms": round(p90, 2),
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"written: {args.json.relative_to(ROOT) if args.json.is_absolute() else args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
