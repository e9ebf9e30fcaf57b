# SPDX-License-Identifier: Apache-2.0
"""Command line of the harness, for shell scripts and ctest wrappers.

    python3 -m flharness temporal start --dir DIR     # prints grpc=... http=... pid=...
    python3 -m flharness temporal stop --dir DIR [--kill]
    python3 -m flharness temporal status --dir DIR
    python3 -m flharness temporal count --dir DIR QUERY
    python3 -m flharness temporal list --dir DIR [QUERY]
    python3 -m flharness temporal describe --dir DIR WORKFLOW_ID
    python3 -m flharness temporal run [--dir DIR] -- COMMAND [ARGS...]
    python3 -m flharness demo --build BUILD       # scripts/demo.sh, inside journal-ns.sh
    python3 -m flharness bench-e2e --build BUILD  # scripts/bench.d/e2e.sh, same

start and run also take --dynamic-config KEY=VALUE (repeatable), e.g.
frontend.namespaceRPS.visibility=10000 to lift the dev server's limit of about
100 visibility calls per second.

Exit status: 0 success, 77 the temporal binary is missing (start), 3 not
running (status), 1 any other failure. `run` exits with COMMAND's status.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

from . import bench, demo
from .temporal import TemporalError, TemporalMissing, TemporalServer

EXIT_MISSING = 77
EXIT_NOT_RUNNING = 3


def _dynamic_config(args):
    """--dynamic-config KEY=JSON (repeatable) as a dict."""
    out = {}
    for kv in args.dynamic_config or []:
        key, sep, value = kv.partition("=")
        if not sep:
            raise TemporalError(f"--dynamic-config {kv}: expected KEY=VALUE")
        try:
            out[key] = json.loads(value)
        except ValueError:
            out[key] = value
    return out


def _server(args):
    return TemporalServer(args.dir, namespace=args.namespace or "default",
                          grpc_port=args.grpc_port, http_port=args.http_port,
                          dynamic_config=_dynamic_config(args))


def _cmd_start(args):
    t = _server(args)
    t.start(timeout=args.timeout)
    print(t.describe_line(), flush=True)
    return 0


def _cmd_stop(args):
    t = _server(args)
    t.stop(timeout=args.timeout, kill=args.kill)
    return 0


def _cmd_status(args):
    t = _server(args)
    if not t.running():
        print("not running")
        return EXIT_NOT_RUNNING
    print(t.describe_line())
    return 0


def _cmd_count(args):
    print(_server(args).count(args.query))
    return 0


def _cmd_list(args):
    for e in _server(args).list(args.query):
        print(json.dumps(e, sort_keys=True))
    return 0


def _cmd_describe(args):
    print(json.dumps(_server(args).describe(args.workflow_id), indent=1, sort_keys=True))
    return 0


def _child_env(t):
    env = dict(os.environ)
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = here + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["FL_HARNESS_PYTHON"] = sys.executable
    env["FL_TEMPORAL_DIR"] = t.directory
    env["FL_TEMPORAL_NAMESPACE"] = t.namespace
    return env


def _cmd_run(args):
    """Starts Temporal, runs COMMAND with its addresses in the environment, stops
    Temporal whatever happened. When the binary is missing COMMAND still runs,
    with FL_TEMPORAL_MISSING set and no address, so that the test itself decides
    (skip locally, fail under CI=true)."""
    if not args.command:
        print("flharness: run needs a command after --", file=sys.stderr)
        return 1
    own_dir = args.dir is None
    directory = args.dir or tempfile.mkdtemp(prefix="flharness-temporal.")
    t = TemporalServer(directory, namespace=args.namespace or "default",
                       grpc_port=args.grpc_port, http_port=args.http_port,
                       dynamic_config=_dynamic_config(args))
    env = _child_env(t)
    child = None

    def forward(signum, frame):
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    old = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        try:
            t.start(timeout=args.timeout)
            env["FL_TEMPORAL_GRPC"] = t.grpc_address
            env["FL_TEMPORAL_HTTP"] = t.http_url
            print(f"flharness: temporal {t.describe_line()} started in "
                  f"{t.startup_seconds:.2f}s", file=sys.stderr, flush=True)
        except TemporalMissing as e:
            env["FL_TEMPORAL_MISSING"] = str(e)
        child = subprocess.Popen(args.command, env=env)
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:
                continue
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        try:
            t.stop()
        finally:
            if own_dir and not args.keep:
                shutil.rmtree(directory, ignore_errors=True)


def _parser():
    p = argparse.ArgumentParser(prog="python3 -m flharness")
    comp = p.add_subparsers(dest="component", required=True)
    tp = comp.add_parser("temporal", help="the Temporal dev server")
    sub = tp.add_subparsers(dest="action", required=True)

    def common(sp, need_dir=True):
        sp.add_argument("--dir", required=need_dir, help="state directory (db, log, ports, pid)")
        sp.add_argument("--namespace", help="namespace (default: 'default')")
        sp.add_argument("--grpc-port", type=int, help="gRPC port (default: a free one)")
        sp.add_argument("--http-port", type=int, help="HTTP API port (default: a free one)")
        sp.add_argument("--timeout", type=float, default=60.0, help="seconds to wait")
        sp.add_argument("--dynamic-config", action="append", metavar="KEY=VALUE",
                        help="server dynamic config (JSON value), at start; repeatable")
        return sp

    common(sub.add_parser("start")).set_defaults(fn=_cmd_start)
    sp = common(sub.add_parser("stop"))
    sp.add_argument("--kill", action="store_true", help="SIGKILL at once (a crash)")
    sp.set_defaults(fn=_cmd_stop, timeout=10.0)
    common(sub.add_parser("status")).set_defaults(fn=_cmd_status)
    sp = common(sub.add_parser("count"))
    sp.add_argument("query")
    sp.set_defaults(fn=_cmd_count)
    sp = common(sub.add_parser("list"))
    sp.add_argument("query", nargs="?", default="")
    sp.set_defaults(fn=_cmd_list)
    sp = common(sub.add_parser("describe"))
    sp.add_argument("workflow_id")
    sp.set_defaults(fn=_cmd_describe)
    sp = common(sub.add_parser("run"), need_dir=False)
    sp.add_argument("--keep", action="store_true", help="keep the temporary directory")
    sp.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    sp.set_defaults(fn=_cmd_run)
    demo.add_parser(comp)
    bench.add_parser(comp)
    return p


def main(argv=None):
    args = _parser().parse_args(argv)
    if getattr(args, "command", None) and args.command[0] == "--":
        args.command = args.command[1:]
    if args.component in ("demo", "bench-e2e"):
        demo.install_signal_handlers()
    try:
        return args.fn(args)
    except TemporalMissing as e:
        print(f"flharness: {e}", file=sys.stderr)
        return EXIT_MISSING
    except TemporalError as e:
        print(f"flharness: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
