#!/usr/bin/python3
"""Peer baselines for bench_pmap (issue 6): per-item cost of mapping a trivial function
over N items with 2 worker processes, with Python's ProcessPoolExecutor (chunksize 1 and
100) and with Dask's client.map + gather on LocalCluster(n_workers=2, threads_per_worker=1).
Prints `peer <name> <microseconds per item>` lines; a peer that is not installed is
reported as `peer <name> unavailable <reason>`."""
import sys
import time
from concurrent.futures import ProcessPoolExecutor


def trivial(x):
    return x


def per_item(run, n, repeats=3):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        run(n)
        best = min(best, time.perf_counter() - t0)
    return best / n * 1e6


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    with ProcessPoolExecutor(2) as ex:
        list(ex.map(trivial, range(100)))  # start the workers
        for chunk in (1, 100):
            us = per_item(lambda k: list(ex.map(trivial, range(k), chunksize=chunk)), n)
            print(f"peer ppe_chunksize_{chunk} {us:.3f}", flush=True)
    try:
        import logging
        from dask.distributed import Client, LocalCluster
        logging.getLogger("distributed").setLevel(logging.ERROR)
    except ImportError as e:
        print(f"peer dask unavailable {e}", flush=True)
        return
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.gather(client.map(trivial, range(100), pure=False))
        m = min(n, 2000)  # ~2 ms per item: keep the run short
        us = per_item(lambda k: client.gather(client.map(trivial, range(k), pure=False)), m, repeats=2)
        print(f"peer dask {us:.3f}", flush=True)


if __name__ == "__main__":
    main()
