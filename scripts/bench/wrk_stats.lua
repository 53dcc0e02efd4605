-- wrk script for scripts/bench/wrk.py: after the run, one line
-- "WRKJSON {...}" with the exact figures (latencies in microseconds, from
-- wrk's own histogram) so nothing depends on parsing the text report.
-- Requests are plain GETs of the URL on the command line.

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %.0f, "duration_us": %.0f, "bytes": %.0f, ' ..
    '"connect": %.0f, "read": %.0f, "write": %.0f, "status": %.0f, "timeout": %.0f, ' ..
    '"p50": %.0f, "p90": %.0f, "p99": %.0f, "max": %.0f, "mean": %.1f}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
