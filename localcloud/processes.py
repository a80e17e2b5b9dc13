"""Child processes that cannot outlive the local cloud."""

import os
import threading
import time


def exit_with_parent(interval: float = 0.5) -> None:
    """Call first thing in a child process: it exits when its parent is gone, so
    even a `kill -9` of the local cloud leaves no process behind. (Polling the
    parent pid, because PR_SET_PDEATHSIG fires when the forking *thread* exits.)"""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
