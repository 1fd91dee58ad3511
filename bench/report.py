#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""bench/report.py RAW RESULTS_JSON - summarise bench/run.sh measurements.

RAW holds one measurement a line: a kind (meta, exec, exec_count, capacity,
idle) followed by key=value fields.  Writes RESULTS_JSON and prints a table
with each target's PASS/FAIL.  Exit status: 0 all targets met, 3 some missed,
1 on bad input.
"""
import json
import statistics
import sys

TARGET_EXEC_RATIO = 0.97
TARGET_CAPACITY = 200000
TARGET_CAPACITY_SECONDS = 60
TARGET_IDLE_CPU_PCT = 0.2
TARGET_IDLE_RSS_MIB = 40


def num(v):
    try:
        return int(v)
    except ValueError:
        try:
            return float(v)
        except ValueError:
            return v


def parse(path):
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            row = {"kind": parts[0]}
            for kv in parts[1:]:
                k, _, v = kv.partition("=")
                row[k] = num(v)
            rows.append(row)
    return rows


def no_loss(r):
    return r["lost"] == 0 and r["kernel_drops"] == 0 and r.get("decode_errors", 0) == 0


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 1
    rows = parse(sys.argv[1])
    meta = next(r for r in rows if r["kind"] == "meta")
    quick = meta["quick"] == 1
    res = {"meta": meta, "targets": {}}
    checks = []  # (name, measured text, target text, ok)

    # ---- exec storm
    ex = [r for r in rows if r["kind"] == "exec"]
    variants = {}
    for r in ex:
        variants.setdefault(r["variant"], []).append(r)
    base = statistics.median(r["rate"] for r in variants["baseline"])
    exec_res = {"runs": ex, "median_rate": {}, "ratio_to_baseline": {}}
    for v, rs in variants.items():
        med = statistics.median(r["rate"] for r in rs)
        exec_res["median_rate"][v] = round(med, 1)
        exec_res["ratio_to_baseline"][v] = round(med / base, 4) if base else None
    sensor_runs = [r for v in ("vigild", "vigild_noevents") for r in variants.get(v, [])]
    exec_res["vigild_lost"] = sum(r["lost"] for r in sensor_runs)
    exec_res["vigild_kernel_drops"] = sum(r["kernel_drops"] for r in sensor_runs)
    exec_res["vigild_decode_errors"] = sum(r["decode_errors"] for r in sensor_runs)
    cnt = next((r for r in rows if r["kind"] == "exec_count"), None)
    exec_res["count_run"] = cnt
    res["exec_storm"] = exec_res

    ratio = exec_res["ratio_to_baseline"].get("vigild")
    checks.append(("exec storm: vigild --events / baseline",
                   "%.3f" % ratio, ">= %.2f" % TARGET_EXEC_RATIO,
                   ratio is not None and ratio >= TARGET_EXEC_RATIO))
    ok = all(no_loss(r) for r in sensor_runs)
    checks.append(("exec storm: vigild lost + kernel_drops",
                   "%d + %d" % (exec_res["vigild_lost"], exec_res["vigild_kernel_drops"]),
                   "0", ok))
    if cnt:
        ok = no_loss(cnt) and cnt["seen"] == cnt["execs"]
        checks.append(("exec storm: exec events seen / execs done",
                       "%d / %d" % (cnt["seen"], cnt["execs"]), "equal, no loss", ok))

    # ---- capacity
    cap = [r for r in rows if r["kind"] == "capacity"]
    for r in cap:
        r["cpu_us_per_event"] = round(r["cpu_s"] * 1e6 / r["records"], 3) if r["records"] else None
        r["vigild_cpu_pct"] = round(100.0 * r["cpu_s"] / r["seconds"], 1)
    sustained = [r for r in cap if r["phase"] == "sustained"]
    pool = sustained if sustained else cap
    good = [r for r in pool if r["ok"] == 1]
    best = max(good, key=lambda r: r["rate"]) if good else None
    hwm = max((r["vmhwm_kb"] for r in cap), default=0)
    first_loss = next((r for r in cap if r["ok"] == 0), None)
    cap_res = {"runs": cap, "best": best, "peak_vmhwm_kib": hwm,
               "first_loss": first_loss,
               "limited_by": None}
    if best:
        if first_loss and first_loss["requested"] > best["requested"]:
            cap_res["limited_by"] = "loss above this rate"
        elif best["rate"] < 0.95 * best["requested"] and best["vigild_cpu_pct"] >= 90:
            cap_res["limited_by"] = ("CPU: vigild's reader at %.0f%% of a CPU and the generator"
                                     " short of the requested rate" % best["vigild_cpu_pct"])
        elif best["rate"] < 0.95 * best["requested"]:
            cap_res["limited_by"] = "generator could not reach the requested rate"
        else:
            cap_res["limited_by"] = "ramp ended (CAPACITY_RATES)"
    res["capacity"] = cap_res
    if best:
        long_enough = best["seconds"] >= TARGET_CAPACITY_SECONDS - 0.5
        ok = best["rate"] >= TARGET_CAPACITY and long_enough
        checks.append(("capacity: zero-loss events/s (achieved)",
                       "%.0f for %.0f s" % (best["rate"], best["seconds"]),
                       ">= %d for %d s" % (TARGET_CAPACITY, TARGET_CAPACITY_SECONDS), ok))
    else:
        checks.append(("capacity: zero-loss events/s (achieved)", "none without loss",
                       ">= %d for %d s" % (TARGET_CAPACITY, TARGET_CAPACITY_SECONDS), False))

    # ---- idle
    idle = next(r for r in rows if r["kind"] == "idle")
    idle["cpu_pct"] = round(100.0 * idle["cpu_s"] / idle["seconds"], 3)
    res["idle"] = idle
    checks.append(("idle: vigild CPU (%% of one core, %.0f s)" % idle["seconds"],
                   "%.3f %%" % idle["cpu_pct"], "<= %.1f %%" % TARGET_IDLE_CPU_PCT,
                   idle["cpu_pct"] <= TARGET_IDLE_CPU_PCT))
    checks.append(("idle: vigild VmRSS",
                   "%.1f MiB (HWM %.1f)" % (idle["vmrss_kb"] / 1024, idle["vmhwm_kb"] / 1024),
                   "<= %d MiB" % TARGET_IDLE_RSS_MIB,
                   idle["vmrss_kb"] / 1024 <= TARGET_IDLE_RSS_MIB))

    res["targets"] = [{"name": n, "measured": m, "target": t, "pass": ok}
                      for n, m, t, ok in checks]
    res["all_pass"] = all(c[3] for c in checks)
    busy = [r for r in ex + cap + [idle] if r.get("others", 0)]
    res["runs_with_other_tracers"] = len(busy)
    with open(sys.argv[2], "w") as f:
        json.dump(res, f, indent=2)
        f.write("\n")

    # ---- table
    p = print
    p()
    p("vigil benchmarks%s  (%s CPUs, kernel %s, commit %s%s, %s)" %
      ("  [BENCH_QUICK smoke]" if quick else "", meta["cpus"], meta["kernel"],
       meta["commit"], "+%s changed files" % meta["dirty_files"] if meta["dirty_files"] else "",
       meta["date"]))
    p()
    p("Exec storm: fork+execve, pinned to CPU 0, %s s x %s rounds (median)" %
      (meta["bench_seconds"], meta["rounds"]))
    p("  %-18s %12s %10s   %s" % ("variant", "execs/s", "ratio", "runs"))
    for v in ("baseline", "vigild", "vigild_noevents", "execsnoop"):
        if v not in variants:
            continue
        p("  %-18s %12.1f %10.3f   %s" %
          (v, exec_res["median_rate"][v], exec_res["ratio_to_baseline"][v],
           " ".join("%.0f" % r["rate"] for r in variants[v])))
    if cnt:
        p("  count run: %d execs, %d exec events seen, lost=%d kernel_drops=%d" %
          (cnt["execs"], cnt["seen"], cnt["lost"], cnt["kernel_drops"]))
    p()
    p("Capacity: open(O_WRONLY|O_CREAT)+close under a capture prefix, vigild --events >/dev/null")
    p("  %-9s %10s %10s %6s %11s %6s %6s %9s %9s %9s" %
      ("phase", "requested", "achieved", "secs", "records", "lost", "drops", "vigild%",
       "us/event", "HWM MiB"))
    for r in cap:
        p("  %-9s %10d %10.0f %6.1f %11d %6d %6d %9.1f %9.3f %9.1f" %
          (r["phase"], r["requested"], r["rate"], r["seconds"], r["records"], r["lost"],
           r["kernel_drops"], r["vigild_cpu_pct"], r["cpu_us_per_event"] or 0,
           r["vmhwm_kb"] / 1024))
    if best:
        p("  best zero-loss: %.0f events/s for %.0f s (%s); vigild %.3f us CPU/event;"
          " peak VmHWM %.1f MiB" % (best["rate"], best["seconds"], cap_res["limited_by"],
                                    best["cpu_us_per_event"] or 0, hwm / 1024))
    p()
    p("Idle: %.0f s, %d records seen, load average %s -> %s" %
      (idle["seconds"], idle["records"], meta["loadavg_start"], idle["loadavg_end"]))
    p("  CPU %.3f %% of one core, VmRSS %.1f MiB, VmHWM %.1f MiB" %
      (idle["cpu_pct"], idle["vmrss_kb"] / 1024, idle["vmhwm_kb"] / 1024))
    p()
    if busy:
        p("WARNING: %d of %d runs had other tracers running (vigild/execsnoop/bpftrace not"
          " started by this script);" % (len(busy), len(ex) + len(cap) + 1))
        p("         their BPF programs slow every exec and open, baseline included.")
        p()
    p("Targets")
    for n, m, t, ok in checks:
        p("  %-44s %-22s %-18s %s" % (n, m, t, ("PASS" if ok else "FAIL") +
                                      (" (smoke)" if quick else "")))
    p()
    p("results: %s" % sys.argv[2])
    return 0 if res["all_pass"] else 3


if __name__ == "__main__":
    sys.exit(main())
