#!/usr/bin/env python3
"""Where a JVM's threads wait: off-CPU time by thread, state and kernel stack, from perf's sched_switch.

Record (as root; system-wide so the switch back in is seen too), then summarize (only the threads
of PID count: list them while it runs, e.g. into OFFCPU_TIDS as "tid comm" lines):

  perf record -e sched:sched_switch -g -a -o /tmp/off.data -- sleep 20
  perf script -i /tmp/off.data -F comm,tid,time,event,trace,ip,sym | bench/offcpu.py PID [THREAD_PREFIX ...] [--long MS]

For each thread of PID whose name starts with a prefix (default: brook-net brook-log-flusher), every
stretch off the CPU is one wait: its length (switch out to switch back in), the state it left in
(R = preempted, runnable: waiting for a CPU; D = uninterruptible, e.g. a journal handle, a page lock,
disk I/O; S = sleeping, e.g. epoll_wait with nothing to do, a futex) and the kernel stack at the
switch. Prints, per thread prefix, total off-CPU ms by state and the stacks with the most D and R
time, then every wait longer than --long ms (default 5) with its time, so they can be lined up with
the flusher's fsyncs. Used for issue 16's rolls (bench/RESULTS.md, "Produce p99 with a segment roll").
"""
import os
import re
import sys
from collections import defaultdict

SKIP = re.compile(r"^(__schedule|schedule|schedule_timeout|io_schedule|preempt_schedule\w*|__cond_resched|"
                  r"schedule_preempt_disabled|rwsem_down\w*|__mutex_lock\w*|mutex_lock\w*|bit_wait\w*|__wait_on_bit\w*|"
                  r"out_of_line_wait_on_bit\w*|__folio_lock\w*|folio_wait_bit\w*|irqentry_exit\w*|asm_\w+|"
                  r"raw_irqentry_exit_cond_resched|__x64_sys_\w+|do_syscall_64|entry_SYSCALL\w*|\[unknown\])$")


def main():
    args = sys.argv[1:]
    long_ms = 5.0
    if "--long" in args:
        i = args.index("--long")
        long_ms = float(args[i + 1])
        del args[i:i + 2]
    pid = int(args[0])
    prefixes = args[1:] or ["brook-net", "brook-log-flush"]
    names = {}
    tids_file = os.environ.get("OFFCPU_TIDS")  # "tid comm" lines saved while the process ran
    if tids_file:
        with open(tids_file) as f:
            for line in f:
                t, _, comm = line.strip().partition(" ")
                names[int(t)] = comm
    else:
        for t in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{t}/comm") as f:
                names[int(t)] = f.read().strip()
    head = re.compile(r"^\s*(\S.*?)\s+(\d+)\s+(\d+\.\d+):\s+sched:sched_switch:\s+(.*)$")
    out = {}  # tid -> (time, state, stack)
    waits = []  # (prefix, tid, start, ms, state, signature)
    cur = None
    stack = []

    def finish():
        if cur is None:
            return
        comm, tid, t, fields = cur
        prev = int(re.search(r"prev_pid=(\d+)", fields).group(1))
        nxt = int(re.search(r"next_pid=(\d+)", fields).group(1))
        state = re.search(r"prev_state=(\S+)", fields).group(1)
        if prev in out:
            del out[prev]
        out[prev] = (t, state, list(stack))
        if nxt in out:
            t0, st, stk = out.pop(nxt)
            name = names.get(nxt, "")
            for p in prefixes:
                if name.startswith(p):
                    frames = [f for f in stk if not SKIP.match(f)]
                    sig = " < ".join(frames[:6]) if frames else "(none)"
                    waits.append((p, nxt, t0, (t - t0) * 1e3, st[0], sig))
                    break

    for line in sys.stdin:
        m = head.match(line)
        if m:
            finish()
            cur = (m.group(1), int(m.group(2)), float(m.group(3)), m.group(4))
            stack = []
        elif line.strip() and cur is not None:
            parts = line.split()
            if len(parts) >= 2:
                stack.append(re.sub(r"\+0x[0-9a-f]+$", "", parts[1]))
    finish()
    for p in prefixes:
        ws = [w for w in waits if w[0] == p]
        if not ws:
            continue
        by_state = defaultdict(float)
        for w in ws:
            by_state[w[4]] += w[3]
        print(f"== {p}*: {len(ws)} waits; off-CPU ms by state: " +
              ", ".join(f"{k} {v:.1f}" for k, v in sorted(by_state.items())))
        for st in ("D", "R", "S"):
            agg = defaultdict(lambda: [0, 0.0, 0.0])
            for w in ws:
                if w[4] == st:
                    a = agg[w[5]]
                    a[0] += 1
                    a[1] += w[3]
                    a[2] = max(a[2], w[3])
            top = sorted(agg.items(), key=lambda kv: -kv[1][1])[:8]
            if top:
                print(f"  state {st}: top stacks by total ms (count, total, max)")
                for sig, (n, tot, mx) in top:
                    print(f"    {n:6d} {tot:9.1f} {mx:8.1f}  {sig[:220]}")
        longs = [w for w in ws if w[3] >= long_ms and not (w[4] == "S" and "epoll" in w[5])]
        print(f"  waits >= {long_ms} ms (not epoll): {len(longs)}")
        for w in sorted(longs, key=lambda w: w[2])[:60]:
            print(f"    t={w[2]:.3f} tid={w[1]} {w[3]:8.1f} ms {w[4]}  {w[5][:160]}")


if __name__ == "__main__":
    main()
