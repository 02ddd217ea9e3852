#!/usr/bin/env python3
"""An example Overseer agent: reads the task's input from stdin, reports progress, returns a result.

Try it with a profile such as:
  profiles:
    example:
      kind: process
      command: ["python3", "scripts/example-agent.py"]
and a task input like {"words": ["alpha", "beta", "gamma"], "delayMs": 300}.
"""
import json
import os
import sys
import time


def send(message):
    # one JSON document per line on stdout; flush so Overseer sees it at once
    print(json.dumps(message), flush=True)


def main():
    task = json.load(sys.stdin)  # the task's input, then stdin is closed
    words = task.get("words", ["hello", "world"])
    delay = task.get("delayMs", 200) / 1000.0
    send({"type": "log", "level": "info",
          "message": "task %s attempt %s" % (os.environ["OVERSEER_TASK_ID"], os.environ["OVERSEER_ATTEMPT"])})
    if task.get("fail"):
        send({"type": "error", "message": "asked to fail", "retryable": False})
        return 1
    lengths = {}
    for i, word in enumerate(words):
        time.sleep(delay)
        lengths[word] = len(word)
        send({"type": "progress", "percent": int(100 * (i + 1) / len(words)), "message": "counted " + word})
    print("plain lines like this one are logged too", file=sys.stderr)
    send({"type": "result", "output": {"lengths": lengths}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
