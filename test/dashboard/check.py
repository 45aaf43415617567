#!/usr/bin/env python3
"""test/dashboard/check.py — drives slow_map (4 workers, a pmap gated by the test) and
checks the dashboard from outside, as a user would.

  check.py api PROGRAM            tokens refused/accepted, /api/state, /metrics (format
                                  checked here, and by promtool if installed), /api/status,
                                  progress that moves as the test releases elements
  check.py env_unset PROGRAM      without WEFT_DASHBOARD nothing is served or printed
  check.py browser PROGRAM OUTDIR headless Chromium loads the page: 4 worker rows, the map's
                                  progress moving; a screenshot in OUTDIR (exit 77: SKIP
                                  when chromium is not installed)
  check.py status PROGRAM WEFTRUN `weftrun --status URL` and `--json` print the cluster
  check.py loops PROGRAM          a distributed_for and an everywhere show as running
                                  operations (without WEFT_PROGRESS, and nothing drawn)

Every wait polls a condition with a deadline; the processes started are ended by pid.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

DEADLINE_S = 60


class Program:
    """slow_map with 4 workers; stderr is read on a thread (for the dashboard's URL)."""

    def __init__(self, path, dashboard="0"):
        env = dict(os.environ, WEFT_PROCS="4")
        env.pop("WEFT_DASHBOARD", None)
        if dashboard is not None:
            env["WEFT_DASHBOARD"] = dashboard
        self.p = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=env)
        self.err = []
        self.url_seen = threading.Event()
        self.url = None
        threading.Thread(target=self._read_err, daemon=True).start()
        first = self.p.stdout.readline()
        if first.strip() != "ready":
            self.kill()  # its workers follow it (they die with their master)
            raise AssertionError("slow_map did not start: its first line was %r; stderr: %s" % (first, "".join(self.err)))

    def _read_err(self):
        for line in self.p.stderr:
            self.err.append(line)
            m = re.search(r"weft: dashboard at (http://\S+)", line)
            if m and not self.url:
                self.url = m.group(1)
                self.url_seen.set()

    def base_and_token(self):
        assert self.url_seen.wait(DEADLINE_S), "no 'weft: dashboard at' line on stderr: " + "".join(self.err)
        m = re.fullmatch(r"(http://127\.0\.0\.1:\d+)/\?token=([0-9a-f]{32})", self.url)
        assert m, "unexpected dashboard URL " + self.url
        return m.group(1), m.group(2)

    def send(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def finish(self):
        """Releases what is left, ends the control loop; returns stdout's rest."""
        out, _ = self.p.communicate(timeout=DEADLINE_S)
        assert self.p.returncode == 0, "slow_map exited with %s: %s" % (self.p.returncode, "".join(self.err))
        return out

    def kill(self):
        if self.p.poll() is None:
            os.kill(self.p.pid, 9)
            self.p.wait()


def get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=DEADLINE_S) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def read_events(url, headers, count):
    """Reads server-sent events from url until `count` fresh states came; returns those,
    parsed as JSON. Skipped, as a page does: `busy` events and states marked
    master_responsive=false (the master's runtime did not answer within 3 s, which a
    loaded CI machine can cause; the server then repeats the last state)."""
    req = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(req, timeout=DEADLINE_S) as r:
        assert r.status == 200 and r.headers["Content-Type"] == "text/event-stream", (r.status, dict(r.headers))
        events, data, kind = [], [], "message"
        while len(events) < count:
            line = r.readline().decode()
            assert line, "the event stream ended after %d events" % len(events)
            line = line.rstrip("\n")
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
            elif line == "" and data:
                e = json.loads("\n".join(data))
                if kind == "message" and e.get("master_responsive", True):
                    events.append(e)
                data, kind = [], "message"
        return events


def poll(what, fn):
    """Calls fn until it returns a true value (with a deadline); returns it."""
    end = time.monotonic() + DEADLINE_S
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.05)


def state(base, token):
    code, _, body = get(base + "/api/state", {"Authorization": "Bearer " + token})
    assert code == 200, "/api/state: %d %s" % (code, body)
    return json.loads(body)


def gated_map(s):
    maps = [m for m in s["maps"] if m["label"] == "gated"]
    return maps[0] if maps else None


METRIC_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABELS = r'\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(?:,|(?=\})))*\}'
SAMPLE = re.compile(r"(%s)(%s)? (-?[0-9.eE+-]+|NaN|[+-]Inf)" % (METRIC_NAME, LABELS))


def parse_metrics(text):
    """Checks the Prometheus text format 0.0.4; returns {(name, labels): value}."""
    assert text.endswith("\n"), "metrics must end with a newline"
    families, samples, seen_samples = {}, {}, set()
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line.split(" ", 3)
            assert len(parts) >= 3 and re.fullmatch(METRIC_NAME, parts[2]), "bad comment line: " + line
            if parts[1] == "TYPE":
                assert parts[3] in ("counter", "gauge", "histogram", "summary", "untyped"), line
                assert parts[2] not in families, "second TYPE for " + parts[2]
                assert parts[2] not in seen_samples, "TYPE after samples of " + parts[2]
                families[parts[2]] = parts[3]
            continue
        m = SAMPLE.fullmatch(line)
        assert m, "not a sample line: " + repr(line)
        name, labels, value = m.group(1), m.group(2) or "", float(m.group(3))
        assert name in families, "sample without TYPE: " + line
        if families[name] == "counter":
            assert name.endswith("_total"), "counter not named *_total: " + name
            assert value >= 0, line
        assert name.startswith("weft_"), line
        assert (name, labels) not in samples, "duplicate series " + line
        seen_samples.add(name)
        samples[(name, labels)] = value
    return samples


def check_api(program):
    prog = Program(program)
    try:
        base, token = prog.base_and_token()
        # Refused without the token (401, with the scheme to use) and with a wrong one (403).
        for path in ("/", "/api/state", "/metrics", "/api/status", "/api/events"):
            code, headers, body = get(base + path)
            assert code == 401, "%s without a token: %d" % (path, code)
            assert headers.get("WWW-Authenticate") == "Bearer", headers
            assert "token" in body, body
            code, _, _ = get(base + path + "?token=" + "0" * 32)
            assert code == 403, "%s with a wrong token: %d" % (path, code)
            code, _, _ = get(base + path, {"Authorization": "Bearer " + token[:-1]})
            assert code == 403, "%s with a wrong bearer token: %d" % (path, code)
        code, headers, page = get(base + "/?token=" + token)
        assert code == 200 and headers["Content-Type"].startswith("text/html"), (code, headers)
        assert '<tbody id="workers">' in page and "/api/state" in page
        assert "http://" not in page.replace('"http://www.w3.org/2000/svg"', ""), "the page loads nothing from the network"

        # Four workers, each reporting, each blocked in one element of the map.
        def live(s):
            return [p for p in s["processes"] if p["state"] not in ("master", "gone")]
        s = state(base, token)
        assert len(live(s)) == 4, s["processes"]
        s = poll("4 workers reporting, each running one element", lambda: (lambda s: s if all(
            p["reported"] and p["running"] == 1 and p["calls"] and p["calls"][0]["name"] == "Gated"
            for p in live(s)) else None)(state(base, token)))
        procs = {p["id"]: p for p in s["processes"]}
        workers = live(s)
        assert sorted(procs) == [1, 2, 3, 4, 5] and procs[1]["state"] == "master", s["processes"]
        for w in workers:
            assert w["state"] == "busy" and w["ospid"] > 0 and w["rss_bytes"] > 0 and w["host"], w
            assert w["ospid"] != procs[1]["ospid"], w
        m = gated_map(s)
        assert m and m["total"] == 8 and m["done"] == 0 and not m["finished"], s["maps"]

        # Live updates: server-sent events carry the same state, a few times a second.
        events = read_events(base + "/api/events?token=" + token, {}, 2)
        for e in events:
            assert len(live(e)) == 4 and all(p["running"] == 1 for p in live(e)), e["processes"]
            assert gated_map(e)["total"] == 8, e["maps"]
        assert events[1]["unix_time"] > events[0]["unix_time"], events
        events = read_events(base + "/api/events", {"Authorization": "Bearer " + token}, 2)
        assert len(live(events[1])) == 4, events[1]
        # Streams closed by their clients (a closed tab) are dropped: the master's sockets
        # go back to what they were.
        def sockets():
            fds = "/proc/%d/fd" % prog.p.pid
            n = 0
            for f in os.listdir(fds):
                try:
                    n += os.readlink(os.path.join(fds, f)).startswith("socket:")
                except FileNotFoundError:  # closed since the listing
                    pass
            return n
        before = sockets()
        for _ in range(10):
            read_events(base + "/api/events?token=" + token, {}, 1)
        poll("the closed streams' sockets closed", lambda: sockets() <= before)

        # Progress moves: release 3 elements.
        prog.send("release 3")
        # The map's count is the master's own; the workers' call counts come with their next
        # report (every 250 ms), so both are waited for: 3 done and 4 running is 7 calls.
        def three_done(s):
            calls_in = sum(p["calls_in"] for p in s["processes"])
            calls_out = [p for p in s["processes"] if p["id"] == 1][0]["calls_out"]
            return s if gated_map(s)["done"] == 3 and calls_in >= 7 and calls_out >= 7 else None
        s = poll("3 elements done, 7 calls counted", lambda: three_done(state(base, token)))
        m = gated_map(s)
        assert m["rate"] > 0 and m["eta"] >= 0, m

        # /metrics: the format, and the same numbers.
        code, headers, text = get(base + "/metrics?token=" + token)
        assert code == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4"), (code, headers)
        samples = parse_metrics(text)
        assert samples[("weft_workers", "")] == 4, text
        map_series = [k for k in samples if k[0] == "weft_map_done" and 'label="gated"' in k[1]]
        assert len(map_series) == 1 and samples[map_series[0]] == 3, text
        for w in workers:
            assert ("weft_calls_total", '{worker="%d"}' % w["id"]) in samples, text
            assert ("weft_resident_memory_bytes", '{worker="%d"}' % w["id"]) in samples, text
            assert samples[("weft_received_bytes_total", '{worker="%d"}' % w["id"])] > 0, text
        promtool = shutil.which("promtool")
        if promtool:
            r = subprocess.run([promtool, "check", "metrics"], input=text, text=True, capture_output=True)
            assert r.returncode == 0, r.stdout + r.stderr

        # The rest: element 7 fails on a worker and shows among the errors.
        prog.send("release 5")
        s = poll("the map finished", lambda: (lambda s: s if gated_map(s)["finished"] else None)(state(base, token)))
        m = gated_map(s)
        assert m["done"] == 8, m
        errs = [e for e in s["errors"] if "element 7" in e["message"]]
        assert errs and errs[0]["type"] == "std::domain_error" and errs[0]["worker"] >= 2, s["errors"]
        assert errs[0]["index"] == 7 and errs[0]["index_of"] == "weft::pmap", errs
        where = errs[0]["where"]  # where it was thrown (file:line with libbacktrace)
        assert "slow_map.cpp:18" in where or "operator()" in where, errs

        code, _, text = get(base + "/api/status?token=" + token)
        assert code == 200 and "gated: 8/8" in text and "std::domain_error" in text, text
        prog.send("end")
        out = prog.finish()
        assert "map done: 90" in out, out
    finally:
        prog.kill()


def check_loops(program):
    prog = Program(program)
    try:
        base, token = prog.base_and_token()
        prog.send("loop")
        prog.send("reduce")
        prog.send("everywhere")
        labels = ("distributed_for", "distributed_reduce", "everywhere")

        def ops(s):
            by = {m["label"]: m for m in s["maps"]}
            return by if all(k in by for k in labels) else None
        by = poll("the loops and everywhere listed", lambda: ops(state(base, token)))
        loop, red, ew = by["distributed_for"], by["distributed_reduce"], by["everywhere"]
        assert loop["total"] == 8 and loop["done"] == 0 and not loop["finished"], loop
        assert red["total"] == 4 and red["done"] == 0 and not red["finished"], red
        assert ew["total"] == 5 and ew["done"] == 0 and not ew["finished"], ew  # the master and 4 workers
        # Each worker has its chunk of the loop and its everywhere call waiting at the gate.
        s = poll("the loop's chunks blocked on the workers", lambda: (lambda s: s if all(
            p["tasks_blocked"] >= 2 for p in s["processes"] if p["state"] not in ("master", "gone")) else None)(
            state(base, token)))
        prog.send("release_loop 17")  # 8 + 4 indices + 5 processes

        def finished(s):
            by = {m["label"]: m for m in s["maps"]}
            return by if all(by[k]["finished"] and by[k]["done"] == by[k]["total"] for k in labels) else None
        poll("the loop and everywhere finished", lambda: finished(state(base, token)))
        code, _, text = get(base + "/metrics?token=" + token)
        assert code == 200, code
        prog.send("release 8")
        prog.send("end")
        out = prog.finish()
        assert "map done: 90" in out, out
        drawn = [l for l in prog.err if any(k in l for k in labels)]
        assert not drawn, "a progress bar on stderr without WEFT_PROGRESS: %s" % drawn
    finally:
        prog.kill()


def check_env_unset(program):
    prog = Program(program, dashboard=None)
    try:
        prog.send("release 8")
        prog.send("end")
        out = prog.finish()
        assert "map done: 90" in out, out
        assert not any("dashboard" in l for l in prog.err), prog.err
    finally:
        prog.kill()


# --timeout, not --virtual-time-budget: virtual time stays paused while a fetch is open,
# and the page's event stream stays open.
def dump_dom(chromium, url):
    r = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--timeout=3000",
                        "--dump-dom", url], capture_output=True, text=True, timeout=DEADLINE_S)
    return r.stdout


class DevTools:
    """Chromium's DevTools protocol over --remote-debugging-pipe (fds 3 and 4, messages
    ended by NUL): evaluates JavaScript in a page left open, for live updates."""

    def __init__(self, chromium, url):
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()

        def fds():
            os.dup2(to_r, 3)
            os.dup2(from_w, 4)
        self.p = subprocess.Popen([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
                                   url], pass_fds=(3, 4), preexec_fn=fds, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        os.close(to_r)
        os.close(from_w)
        self.buf, self.next_id = b"", 0
        targets = poll("the page's DevTools target", lambda: [t for t in self.call("Target.getTargets")["targetInfos"]
                                                              if t["type"] == "page"])
        self.session = self.call("Target.attachToTarget", targetId=targets[0]["targetId"], flatten=True)["sessionId"]

    def call(self, method, session=None, **params):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        while True:
            while b"\0" in self.buf:
                m, self.buf = self.buf.split(b"\0", 1)
                j = json.loads(m)
                if j.get("id") == self.next_id:
                    assert "error" not in j, j
                    return j["result"]
            chunk = os.read(self.from_r, 65536)
            assert chunk, "chromium closed its DevTools pipe"
            self.buf += chunk

    def eval(self, expression):
        return self.call("Runtime.evaluate", self.session, expression=expression)["result"].get("value")

    def close(self):
        if self.p.poll() is None:
            os.kill(self.p.pid, 9)
            self.p.wait()


def check_browser(program, outdir):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("SKIP: no chromium installed (scripts/deps.sh installs it)")
        return 77
    prog = Program(program)
    try:
        base, token = prog.base_and_token()
        url = base + "/?token=" + token
        worker_row = re.compile(r'<tr data-worker="(\d+)" data-state="(\w+)"')

        def rows_and_done():
            dom = dump_dom(chromium, url)
            rows = [int(w) for w, st in worker_row.findall(dom) if st not in ("master", "gone")]
            m = re.search(r'data-map="\d+" data-done="(\d+)" data-total="8"', dom)
            return rows, (int(m.group(1)) if m else None), dom

        rows, done, dom = poll("the page's worker table", lambda: (lambda r: r if len(r[0]) == 4 and r[1] == 0 else None)(rows_and_done()))
        assert sorted(rows) == [2, 3, 4, 5], rows
        m = re.search(r'<body[^>]* data-live="(\w+)"', dom)
        assert m and m.group(1) == "events", "the page does not use the event stream: " + dom[:300]
        # One page left open follows the stream: updates keep coming without a reload.
        tools = DevTools(chromium, url)
        try:
            def updates():
                v = tools.eval("document.body.dataset.live + ' ' + (document.body.dataset.updated || 0)")
                return v.split() if v else None
            first = poll("the open page's first update", lambda: (lambda u: u if u and int(u[1]) > 0 else None)(updates()))
            assert first[0] == "events", first
            poll("the open page's updates to keep coming", lambda: int(updates()[1]) >= int(first[1]) + 2)
            prog.send("release 3")
            poll("the open page's progress bar at 3/8", lambda: tools.eval(
                "(document.querySelector('[data-total=\"8\"]') || {dataset: {}}).dataset.done") == "3")
            assert updates()[0] == "events", "the page fell back to polling"
        finally:
            tools.close()
        poll("the page's progress bar at 3/8", lambda: rows_and_done()[1] == 3)
        os.makedirs(outdir, exist_ok=True)
        shot = os.path.join(outdir, "dashboard.png")
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--timeout=3000", "--window-size=1280,720", "--screenshot=" + shot, url],
                       capture_output=True, timeout=DEADLINE_S)
        assert os.path.getsize(shot) > 0, "no screenshot"
        print("screenshot:", shot)
        prog.send("release 5")
        prog.send("end")
        prog.finish()
    finally:
        prog.kill()
    return 0


def check_status(program, weftrun):
    prog = Program(program)
    try:
        base, token = prog.base_and_token()
        poll("the map to start", lambda: gated_map(state(base, token)))
        r = subprocess.run([weftrun, "--status", base + "/?token=" + token], capture_output=True, text=True,
                           timeout=DEADLINE_S)
        assert r.returncode == 0, r.stderr
        assert len(re.findall(r"^\s+[2-5] (busy|idle)", r.stdout, re.M)) == 4 and "gated: 0/8" in r.stdout, r.stdout
        assert re.search(r"^\s+id .* running +blocked ", r.stdout, re.M), r.stdout
        r = subprocess.run([weftrun, "--status", base.replace("http://", ""), "--token", token, "--json"],
                           capture_output=True, text=True, timeout=DEADLINE_S)
        assert r.returncode == 0, r.stderr
        s = json.loads(r.stdout)
        assert len([p for p in s["processes"] if p["state"] not in ("master", "gone")]) == 4, s
        r = subprocess.run([weftrun, "--status", base.replace("http://", ""), "--token", "0" * 32],
                           capture_output=True, text=True, timeout=DEADLINE_S)
        assert r.returncode != 0 and "wrong access token" in r.stderr, (r.returncode, r.stderr)
        prog.send("release 8")
        prog.send("end")
        prog.finish()
    finally:
        prog.kill()


if __name__ == "__main__":
    mode, program = sys.argv[1], sys.argv[2]
    if mode == "api":
        check_api(program)
    elif mode == "env_unset":
        check_env_unset(program)
    elif mode == "browser":
        sys.exit(check_browser(program, sys.argv[3]))
    elif mode == "loops":
        check_loops(program)
    elif mode == "status":
        check_status(program, sys.argv[3])
    else:
        sys.exit("unknown mode " + mode)
    print("ok")
