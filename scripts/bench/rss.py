#!/usr/bin/env python3
"""Samples a process's memory until it ends (or this sampler is killed).

    rss.py PID LOG [INTERVAL_S]

Every INTERVAL_S seconds (default 0.05) it appends one line to LOG:
`<time.monotonic()> <VmRSS kB> <VmHWM kB>`, flushed, so other helpers can
take the peak of any time window (common.rss_peak_between). CLOCK_MONOTONIC
is system-wide on Linux, so the times compare across processes.
"""

import sys
import time

from common import proc_status


def main():
    pid, log = int(sys.argv[1]), sys.argv[2]
    interval = float(sys.argv[3]) if len(sys.argv) > 3 else 0.05
    with open(log, "a", encoding="ascii") as out:
        while True:
            st = proc_status(pid)
            if not st:
                return
            out.write(f"{time.monotonic():.3f} {st.get('VmRSS', 0)} {st.get('VmHWM', 0)}\n")
            out.flush()
            time.sleep(interval)


if __name__ == "__main__":
    main()
