"""Progress of long Spark jobs, seen from Python: a thread polls the driver's job list while a fit runs.

FuseFL sets a job description per stage ("FuseFL stage 1/2: local training", "FuseFL calibration: ...");
:class:`JobProgress` reports each job's description and finished/total tasks to a callback as they change, so
a notebook can print or draw a progress bar while ``FuseFL.fit`` blocks.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

from pyspark.sql import SparkSession

from sparkfusion._wrapper import java_list


@dataclass(frozen=True)
class ProgressEvent:
    """One job's state: its description (None if the job has none), status and finished/total tasks."""

    job_id: int
    description: Optional[str]
    status: str
    completed_tasks: int
    total_tasks: int
    skipped_tasks: int = 0

    @property
    def fraction(self) -> float:
        """Finished share of the job's tasks (tasks of stages skipped because their output was cached count as
        done), 0..1."""
        return min(1.0, (self.completed_tasks + self.skipped_tasks) / self.total_tasks) if self.total_tasks else 0.0


Callback = Callable[[ProgressEvent], None]


def _option(value) -> Optional[str]:
    return value.get() if value is not None and value.isDefined() else None


class JobProgress:
    """Context manager: while open, calls ``callback`` with a :class:`ProgressEvent` whenever a job started
    after it was opened changes (new, more tasks done, finished). Polls every ``interval`` seconds.

    Example::

        with JobProgress(spark, lambda e: print(e.description, e.completed_tasks, "/", e.total_tasks)):
            model = FuseFL(blocks=2).fit(df)
    """

    def __init__(self, spark: SparkSession, callback: Callback, interval: float = 0.5) -> None:
        self._spark = spark
        self._callback = callback
        self._interval = interval
        self._stop = threading.Event()
        self._seen: Dict[int, Tuple[str, int, int]] = {}
        self._first_job = 0
        self._thread: Optional[threading.Thread] = None
        self.events: List[ProgressEvent] = []

    def _jobs(self) -> List[ProgressEvent]:
        # The status store has each job's description (SparkJobInfo does not); private[spark] in Scala, public
        # in bytecode, which is what py4j sees.
        store = self._spark.sparkContext._jsc.sc().statusStore()
        out = []
        for j in java_list(store.jobsList(None)):
            if j.jobId() < self._first_job:
                continue
            out.append(ProgressEvent(j.jobId(), _option(j.description()), str(j.status()),
                                     j.numCompletedTasks(), j.numTasks(), j.numSkippedTasks()))
        return sorted(out, key=lambda e: e.job_id)

    def poll(self) -> None:
        """Report every job whose state changed since the last poll."""
        for event in self._jobs():
            key = (event.status, event.completed_tasks, event.total_tasks, event.skipped_tasks)
            if self._seen.get(event.job_id) != key:
                self._seen[event.job_id] = key
                self.events.append(event)
                self._callback(event)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.poll()
            except Exception:  # the session stopping under us ends reporting, not the fit
                return

    def __enter__(self) -> "JobProgress":
        tracker = self._spark.sparkContext.statusTracker()
        known = tracker.getJobIdsForGroup(None) or []
        self._first_job = max(known) + 1 if known else 0
        self._thread = threading.Thread(target=self._run, name="sparkfusion-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        try:
            self.poll()  # the final state of the last jobs
        except Exception:
            pass


def print_progress(event: ProgressEvent) -> None:
    """A callback that prints one line per change: ``[job 3] FuseFL stage 1/2: local training 2/3 tasks``."""
    print("[job %d] %s %d/%d tasks %s" % (event.job_id, event.description or "(no description)",
                                           event.completed_tasks, event.total_tasks, event.status.lower()),
          flush=True)
