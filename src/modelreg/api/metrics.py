"""Prometheus metrics in the text exposition format: requests, latency histogram, store errors."""

from __future__ import annotations

from collections import defaultdict

BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    def __init__(self) -> None:
        self.requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self.buckets: dict[str, list[int]] = defaultdict(lambda: [0] * (len(BUCKETS) + 1))
        self.sums: dict[str, float] = defaultdict(float)
        self.store_errors = 0

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests[(method, route, status)] += 1
        counts = self.buckets[route]
        for i, bound in enumerate(BUCKETS):
            if seconds <= bound:
                counts[i] += 1
                break
        else:
            counts[-1] += 1
        self.sums[route] += seconds

    def render(self) -> str:
        lines = [
            "# HELP modelreg_http_requests_total HTTP requests answered.",
            "# TYPE modelreg_http_requests_total counter",
        ]
        for (method, route, status), n in sorted(self.requests.items()):
            lines.append(f'modelreg_http_requests_total{{method="{method}",route="{route}",status="{status}"}} {n}')
        lines += [
            "# HELP modelreg_http_request_duration_seconds Time to answer, by route.",
            "# TYPE modelreg_http_request_duration_seconds histogram",
        ]
        for route, counts in sorted(self.buckets.items()):
            running = 0
            for bound, n in zip((*BUCKETS, float("inf")), counts, strict=True):
                running += n
                le = "+Inf" if bound == float("inf") else repr(bound)
                lines.append(f'modelreg_http_request_duration_seconds_bucket{{route="{route}",le="{le}"}} {running}')
            lines.append(f'modelreg_http_request_duration_seconds_sum{{route="{route}"}} {self.sums[route]:.6f}')
            lines.append(f'modelreg_http_request_duration_seconds_count{{route="{route}"}} {running}')
        lines += [
            "# HELP modelreg_store_errors_total Requests that failed because the store did not answer.",
            "# TYPE modelreg_store_errors_total counter",
            f"modelreg_store_errors_total {self.store_errors}",
        ]
        return "\n".join(lines) + "\n"
