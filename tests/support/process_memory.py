"""A process's memory from /proc (Linux): resident set now, its peak, and resetting the peak.

The peak (VmHWM) is what a request costs at worst, even when the memory is freed again
before anyone could sample VmRSS; writing "5" to /proc/PID/clear_refs resets it to the
current RSS (Linux 4.0+), so one request's peak can be read on its own.
"""

from __future__ import annotations

from pathlib import Path

PROC = Path("/proc")


def _status_kib(pid: int, field: str) -> int:
    for line in (PROC / str(pid) / "status").read_text(encoding="ascii").splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])  # "VmRSS:   123456 kB"
    raise LookupError(f"no {field} for process {pid}")


def rss_kib(pid: int) -> int:
    """Resident memory now, KiB."""
    return _status_kib(pid, "VmRSS")


def peak_kib(pid: int) -> int:
    """Peak resident memory since the start or the last reset_peak, KiB."""
    return _status_kib(pid, "VmHWM")


def reset_peak(pid: int) -> None:
    """Make the peak the current RSS (needs the right to ptrace the process: ours)."""
    (PROC / str(pid) / "clear_refs").write_text("5", encoding="ascii")


def cmdline(pid: int) -> list[str]:
    raw = (PROC / str(pid) / "cmdline").read_bytes()
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def children(pid: int) -> list[int]:
    """The direct children of a process."""
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="ascii", errors="replace")
        except OSError:  # exited meanwhile
            continue
        # "pid (comm) state ppid ...": comm may hold spaces, so split after its ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def find_process(*words: str) -> int:
    """The one process whose command line holds every word (LookupError otherwise)."""
    matches = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                line = " ".join(cmdline(int(entry.name)))
            except OSError:
                continue
            if all(word in line for word in words):
                matches.append(int(entry.name))
    if len(matches) != 1:
        raise LookupError(f"{len(matches)} processes match {words}: {matches}")
    return matches[0]
