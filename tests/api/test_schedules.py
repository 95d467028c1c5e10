"""Schedules, proven through the test clock: SCHEDULED triggers (standalone and a workflow's start trigger) fire at
each time their cron expression names, StopTrigger/StartTrigger/UpdateTrigger take effect at once, a workflow's
MaxConcurrentRuns refuses fires that come while it is busy, and crawler schedules fire and are started, stopped and
updated with StartCrawlerSchedule/StopCrawlerSchedule/UpdateCrawlerSchedule. Also the clock itself:
--clock-start sets every timestamp, --clock-rate makes job Timeouts follow it.

Each ClockTest starts its own glued whose clock runs RATE times faster than real time from CLOCK_START, so a
5-minute schedule fires every 300/RATE real seconds. Assertions are on glued's own timestamps (StartedOn, ...),
so they hold however slow the machine is: a fire's run must start within its own 5-minute slot.
"""

import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import Glued, GlueAssertions, ServerTestCase, run_binary  # noqa: E402
from test_engine_helpers import ROLE, SH, ts  # noqa: E402

RATE = 150  # 5 minutes of glued time last 2 real seconds
CLOCK_START = "2030-01-01T00:00:30Z"
T0 = datetime.datetime(2030, 1, 1, 0, 0, 30, tzinfo=datetime.timezone.utc).timestamp()
EVERY5 = "cron(0/5 * * * ? *)"
SLOT = 300  # seconds between fires of EVERY5


def slot(t):
    """The 5-minute slot (index since the epoch) an instant falls in."""
    return int(ts(t) // SLOT)


class ClockTest(unittest.TestCase, GlueAssertions):
    """One glued per test, on a fast test clock."""

    extra_args = ()

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="glued-sched-")
        self.addCleanup(shutil.rmtree, self.work, True)
        self.srv = Glued(extra_args=("--clock-rate", str(RATE), "--clock-start", CLOCK_START) + tuple(self.extra_args))
        self.addCleanup(self.srv.cleanup)
        self.srv.start()
        self.addCleanup(self.stop_server)
        self.glue = self.srv.client()
        self.n = 0

    @property
    def server(self):  # for wait_until's stderr tail
        return self.srv

    def stop_server(self):
        if self.srv.alive():
            self.srv.stop_ok()

    def name(self, tag):
        self.n += 1
        return f"{tag}-{self._testMethodName[5:25]}-{self.n}"

    def job(self, **args):
        name = self.name("job")
        self.glue.create_job(Name=name, Role=ROLE, Command={"Name": "shell", "ScriptLocation": SH},
                             DefaultArguments={f"--{k}": str(v) for k, v in args.items()})
        return name

    def glued_now(self):
        """glued's clock, read from a timestamp it reports."""
        wf = self.name("clock")
        self.glue.create_workflow(Name=wf)
        t = ts(self.glue.get_workflow(Name=wf)["Workflow"]["CreatedOn"])
        self.glue.delete_workflow(Name=wf)
        return t

    def job_runs(self, job):
        return sorted(self.glue.get_job_runs(JobName=job)["JobRuns"], key=lambda r: ts(r["StartedOn"]))

    def runs(self, wf):
        return sorted(self.glue.get_workflow_runs(Name=wf, MaxResults=100)["Runs"], key=lambda r: ts(r["StartedOn"]))

    def sleep_glued(self, seconds):
        """Let `seconds` of glued's time pass."""
        time.sleep(seconds / RATE)

    def assertOnePerSlot(self, starts):
        """Each start falls in its own 5-minute slot, in order: one fire per cron time, none twice."""
        slots = [slot(t) for t in starts]
        self.assertEqual(slots, sorted(set(slots)), f"fires not one per 5-minute slot: {starts}")


class ClockBasicsTest(ClockTest):
    def test_timestamps_follow_clock_start_and_rate(self):
        """--clock-start sets the clock glued reports; --clock-rate makes it run faster than real time."""
        first = self.glued_now()
        self.assertGreaterEqual(first, T0)
        self.assertLess(first, T0 + 600, "glued's clock should start at --clock-start")
        time.sleep(0.4)
        second = self.glued_now()
        self.assertGreaterEqual(second - first, 0.4 * RATE * 0.9, "the clock did not run RATE times faster")

    def test_log_lines_carry_glued_time(self):
        self.assertIn("2030-01-01T", self.srv.stderr_text())
        self.assertIn(f"test clock: glued's time runs {RATE} times real time", self.srv.stderr_text())

    def test_job_timeout_follows_the_clock(self):
        """A Timeout of 1 minute lasts 60/RATE real seconds."""
        job = self.job(sleep=60)
        t0 = time.monotonic()
        rid = self.glue.start_job_run(JobName=job, Timeout=1)["JobRunId"]
        jr = self.wait_until(lambda: (lambda r: r if r["JobRunState"] not in ("STARTING", "RUNNING", "STOPPING")
                                      else None)(self.glue.get_job_run(JobName=job, RunId=rid)["JobRun"]),
                             "the timeout", timeout=20)
        self.assertEqual(jr["JobRunState"], "TIMEOUT", jr.get("ErrorMessage"))
        self.assertLess(time.monotonic() - t0, 20)
        self.assertGreaterEqual(ts(jr["CompletedOn"]) - ts(jr["StartedOn"]), 60)


class ScheduledTriggerTest(ClockTest):
    def test_many_schedules_due_together_each_fire_once(self):
        """100 triggers due at the same cron times: they fire in chunks that share commits, one loop turn each
        (more than one chunk), and each trigger's workflow gets one run per fire time, none missed or doubled."""
        job = self.job()
        self.glue.update_job(JobName=job, JobUpdate={"Role": ROLE, "Command": {"Name": "shell", "ScriptLocation": SH},
                                                     "ExecutionProperty": {"MaxConcurrentRuns": 1000}})
        wfs = []
        for i in range(100):
            wf = self.name("wf")
            self.glue.create_workflow(Name=wf)
            self.glue.create_trigger(Name=self.name("sched"), WorkflowName=wf, Type="SCHEDULED", Schedule=EVERY5,
                                     Actions=[{"JobName": job}], StartOnCreation=True)
            wfs.append(wf)
        # the triggers made at the end of a slot miss its fire: three fires of each leave a middle slot all saw
        self.wait_until(lambda: all(len(self.runs(wf)) >= 3 for wf in wfs), "three fires of every trigger",
                        timeout=30)
        seen = set()
        for wf in wfs:
            runs = self.runs(wf)
            self.assertOnePerSlot([r["StartedOn"] for r in runs])
            seen.update(slot(r["StartedOn"]) for r in runs)
        log = self.srv.stderr_text()
        self.assertNotIn("did not fire", log)
        middle = sorted(seen)[1:-1]  # slots every trigger existed for: 100 fires in each
        self.assertTrue(middle, seen)
        for s in middle:
            self.assertEqual(sum(1 for wf in wfs for r in self.runs(wf) if slot(r["StartedOn"]) == s), 100)

    def test_standalone_trigger_fires_at_each_cron_time(self):
        """An activated SCHEDULED trigger outside any workflow starts its job at each cron time, with
        JobRun.TriggerName set; each run starts inside its own 5-minute slot."""
        job = self.job()
        trig = self.name("sched")
        self.glue.create_trigger(Name=trig, Type="SCHEDULED", Schedule=EVERY5, Actions=[{"JobName": job}],
                                 StartOnCreation=True)
        runs = self.wait_until(lambda: (lambda r: r if len(r) >= 3 else None)(self.job_runs(job)), "three fires")
        for r in runs:
            self.assertEqual(r.get("TriggerName"), trig)
            # a fire happens at the start of its slot; the job starts a moment of real time later
            self.assertLess(ts(r["StartedOn"]) % SLOT, 150, f"run started far from its cron time: {r['StartedOn']}")
        self.assertOnePerSlot([r["StartedOn"] for r in runs])

    def test_created_but_not_activated_trigger_does_not_fire(self):
        job = self.job()
        trig = self.name("sched")
        self.glue.create_trigger(Name=trig, Type="SCHEDULED", Schedule=EVERY5, Actions=[{"JobName": job}])
        self.assertEqual(self.glue.get_trigger(Name=trig)["Trigger"]["State"], "CREATED")
        self.sleep_glued(2.5 * SLOT)
        self.assertEqual(self.job_runs(job), [])

    def test_stop_and_start_trigger(self):
        """StopTrigger stops the fires at once; StartTrigger resumes them."""
        job = self.job()
        trig = self.name("sched")
        self.glue.create_trigger(Name=trig, Type="SCHEDULED", Schedule=EVERY5, Actions=[{"JobName": job}],
                                 StartOnCreation=True)
        self.wait_until(lambda: len(self.job_runs(job)) >= 1, "a first fire")
        self.glue.stop_trigger(Name=trig)
        self.assertEqual(self.glue.get_trigger(Name=trig)["Trigger"]["State"], "DEACTIVATED")
        stopped_at = self.glued_now()
        before = len(self.job_runs(job))
        self.sleep_glued(3 * SLOT)
        after = self.job_runs(job)
        self.assertEqual(len(after), before, "a deactivated trigger fired")
        self.assertTrue(all(ts(r["StartedOn"]) <= stopped_at for r in after))
        self.glue.start_trigger(Name=trig)
        self.assertEqual(self.glue.get_trigger(Name=trig)["Trigger"]["State"], "ACTIVATED")
        self.wait_until(lambda: len(self.job_runs(job)) > before, "a fire after StartTrigger")

    def test_update_trigger_schedule_takes_effect_at_once(self):
        """A trigger scheduled for 2099 never fires here; UpdateTrigger to every 5 minutes makes it fire at the
        next 5-minute mark."""
        job = self.job()
        trig = self.name("sched")
        self.glue.create_trigger(Name=trig, Type="SCHEDULED", Schedule="cron(0 0 1 1 ? 2099)",
                                 Actions=[{"JobName": job}], StartOnCreation=True)
        self.sleep_glued(1.5 * SLOT)
        self.assertEqual(self.job_runs(job), [])
        changed = self.glued_now()
        out = self.glue.update_trigger(Name=trig, TriggerUpdate={"Schedule": EVERY5, "Actions": [{"JobName": job}]})
        self.assertEqual(out["Trigger"]["Schedule"], EVERY5)
        self.assertEqual(out["Trigger"]["State"], "ACTIVATED")
        runs = self.wait_until(lambda: self.job_runs(job), "a fire on the new schedule")
        self.assertLessEqual(slot(runs[0]["StartedOn"]), slot(changed) + 1, "the new schedule was not used at once")

    def test_deleted_trigger_stops_firing(self):
        job = self.job()
        trig = self.name("sched")
        self.glue.create_trigger(Name=trig, Type="SCHEDULED", Schedule=EVERY5, Actions=[{"JobName": job}],
                                 StartOnCreation=True)
        self.wait_until(lambda: self.job_runs(job), "a first fire")
        self.glue.delete_trigger(Name=trig)
        n = len(self.job_runs(job))
        self.sleep_glued(2.5 * SLOT)
        self.assertEqual(len(self.job_runs(job)), n)

    def test_workflow_start_trigger_obeys_max_concurrent_runs(self):
        """A workflow whose scheduled start trigger fires while its one allowed run is still going records an
        ERROR run with AWS's message for each refused fire; the next fire after the run ended starts a run."""
        job = self.job(sleep=4.5)  # 4.5 real seconds: more than two 5-minute slots of glued's time
        wf = self.name("wf")
        self.glue.create_workflow(Name=wf, MaxConcurrentRuns=1)
        self.glue.create_trigger(Name=self.name("start"), WorkflowName=wf, Type="SCHEDULED", Schedule=EVERY5,
                                 Actions=[{"JobName": job}], StartOnCreation=True)

        def done():
            runs = self.runs(wf)
            ok = [r for r in runs if r["Status"] != "ERROR"]
            return runs if len(ok) >= 2 else None

        runs = self.wait_until(done, "a second run after the first ended", timeout=45)
        ok = [r for r in runs if r["Status"] != "ERROR"]
        errors = [r for r in runs if r["Status"] == "ERROR"]
        self.assertGreaterEqual(len(errors), 1, f"no fire was refused: {[r['Status'] for r in runs]}")
        for r in errors:
            self.assertEqual(r.get("ErrorMessage"), f"Concurrent runs exceeded for workflow: {wf}.")
            self.assertGreater(ts(r["StartedOn"]), ts(ok[0]["StartedOn"]))
        first_end = ts(self.glue.get_workflow_run(Name=wf, RunId=ok[0]["WorkflowRunId"])["Run"].get(
            "CompletedOn", 0) or 0)
        self.assertGreater(ts(ok[1]["StartedOn"]), ts(ok[0]["StartedOn"]))
        if first_end:
            self.assertGreaterEqual(ts(ok[1]["StartedOn"]), first_end)
        self.assertOnePerSlot([r["StartedOn"] for r in runs])
        # each refused start is logged with its reason
        self.assertRegex(self.srv.stderr_text(), r"fired for \S+ but its workflow run was refused: Concurrent runs "
                         + re.escape(f"exceeded for workflow: {wf}.") + r" 1 runs are active and MaxConcurrentRuns is 1")


class CrawlerScheduleTest(ClockTest):
    def crawler(self, schedule=None):
        name = self.name("crawler")
        os.makedirs(os.path.join(self.srv.data_dir, "s3", "bucket", "data"), exist_ok=True)
        kw = {"Schedule": schedule} if schedule else {}
        self.glue.create_crawler(Name=name, Role=ROLE, Targets={"S3Targets": [{"Path": "s3://bucket/data"}]}, **kw)
        return name

    def crawl_times(self, name, seen):
        """Adds the crawler's LastCrawl.StartTime to seen; returns the set."""
        c = self.glue.get_crawler(Name=name)["Crawler"]
        last = c.get("LastCrawl")
        if last and last.get("StartTime") is not None:
            seen.add(ts(last["StartTime"]))
        return seen

    def test_crawler_schedule_fires_stops_and_starts(self):
        name = self.crawler(EVERY5)
        c = self.glue.get_crawler(Name=name)["Crawler"]
        self.assertEqual(c["Schedule"], {"ScheduleExpression": EVERY5, "State": "SCHEDULED"})
        seen = set()
        self.wait_until(lambda: len(self.crawl_times(name, seen)) >= 2, "two scheduled crawls")
        self.assertOnePerSlot(sorted(seen))
        self.assertEqual(self.glue.get_crawler(Name=name)["Crawler"]["LastCrawl"]["Status"], "SUCCEEDED")
        # stopped: NOT_SCHEDULED and no more crawls
        self.glue.stop_crawler_schedule(CrawlerName=name)
        self.assertEqual(self.glue.get_crawler(Name=name)["Crawler"]["Schedule"]["State"], "NOT_SCHEDULED")
        self.sleep_glued(0.5 * SLOT)  # a crawl that had just started may still end
        n = len(self.crawl_times(name, seen))
        self.sleep_glued(2.5 * SLOT)
        self.assertEqual(len(self.crawl_times(name, seen)), n, "a stopped crawler schedule crawled")
        # started again: SCHEDULED and crawling
        self.glue.start_crawler_schedule(CrawlerName=name)
        self.assertEqual(self.glue.get_crawler(Name=name)["Crawler"]["Schedule"]["State"], "SCHEDULED")
        self.wait_until(lambda: len(self.crawl_times(name, seen)) > n, "a crawl after StartCrawlerSchedule")

    def test_update_crawler_schedule_takes_effect_at_once(self):
        name = self.crawler("cron(0 0 1 1 ? 2099)")
        self.sleep_glued(1.5 * SLOT)
        self.assertNotIn("LastCrawl", self.glue.get_crawler(Name=name)["Crawler"])
        self.glue.update_crawler_schedule(CrawlerName=name, Schedule=EVERY5)
        self.assertEqual(self.glue.get_crawler(Name=name)["Crawler"]["Schedule"]["ScheduleExpression"], EVERY5)
        seen = set()
        self.wait_until(lambda: self.crawl_times(name, seen), "a crawl on the new schedule")


class CrawlerScheduleApiTest(ServerTestCase):
    """The schedule operations' rules and errors, on the real clock (nothing here waits for a fire)."""

    def crawler(self, schedule=None):
        name = self.uname("crawler")
        kw = {"Schedule": schedule} if schedule else {}
        self.glue.create_crawler(Name=name, Role=ROLE, Targets={"S3Targets": [{"Path": "s3://b/p"}]}, **kw)
        return name

    def schedule(self, name):
        return self.glue.get_crawler(Name=name)["Crawler"].get("Schedule")

    def test_start_and_stop(self):
        name = self.crawler("cron(15 12 * * ? *)")
        self.assertEqual(self.schedule(name)["State"], "SCHEDULED")
        self.assertEqual(self.glue.stop_crawler_schedule(CrawlerName=name)["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(self.schedule(name), {"ScheduleExpression": "cron(15 12 * * ? *)", "State": "NOT_SCHEDULED"})
        self.assertClientError("SchedulerNotRunningException", self.glue.stop_crawler_schedule, CrawlerName=name,
                               member=name)
        self.glue.start_crawler_schedule(CrawlerName=name)
        self.assertEqual(self.schedule(name)["State"], "SCHEDULED")
        self.assertClientError("SchedulerRunningException", self.glue.start_crawler_schedule, CrawlerName=name,
                               member="SCHEDULED")

    def test_no_schedule(self):
        name = self.crawler()
        self.assertClientError("NoScheduleException", self.glue.start_crawler_schedule, CrawlerName=name,
                               member="UpdateCrawlerSchedule")
        self.assertClientError("SchedulerNotRunningException", self.glue.stop_crawler_schedule, CrawlerName=name)

    def test_missing_crawler(self):
        for op in (self.glue.start_crawler_schedule, self.glue.stop_crawler_schedule):
            self.assertClientError("EntityNotFoundException", op, CrawlerName="no-such-crawler",
                                   member="no-such-crawler")
        self.assertClientError("EntityNotFoundException", self.glue.update_crawler_schedule,
                               CrawlerName="no-such-crawler", Schedule="cron(15 12 * * ? *)")

    def test_update_schedule(self):
        name = self.crawler()
        self.glue.update_crawler_schedule(CrawlerName=name, Schedule="cron(0 6 * * ? *)")
        self.assertEqual(self.schedule(name), {"ScheduleExpression": "cron(0 6 * * ? *)", "State": "SCHEDULED"})
        # a stopped schedule stays stopped when its expression changes
        self.glue.stop_crawler_schedule(CrawlerName=name)
        self.glue.update_crawler_schedule(CrawlerName=name, Schedule="cron(0 7 * * ? *)")
        self.assertEqual(self.schedule(name), {"ScheduleExpression": "cron(0 7 * * ? *)", "State": "NOT_SCHEDULED"})
        # an empty schedule removes it
        self.glue.update_crawler_schedule(CrawlerName=name, Schedule="")
        self.assertIsNone(self.schedule(name))
        version = self.glue.get_crawler(Name=name)["Crawler"]["Version"]
        self.assertEqual(version, 1, "schedule changes are not definition versions")

    def test_update_schedule_validates(self):
        name = self.crawler("cron(0 6 * * ? *)")
        self.assertClientError("InvalidInputException", self.glue.update_crawler_schedule, CrawlerName=name,
                               Schedule="cron(61 * * * ? *)", member="Schedule")
        self.assertClientError("InvalidInputException", self.glue.update_crawler_schedule, CrawlerName=name,
                               Schedule="cron(* * * * ? *)", member="Schedule")
        self.assertClientError("InvalidInputException", self.glue.update_crawler_schedule, CrawlerName=name,
                               Schedule="rate(5 minutes)", member="Schedule")
        self.assertEqual(self.schedule(name)["ScheduleExpression"], "cron(0 6 * * ? *)")
        self.assertRawError(self.server.call("StartCrawlerSchedule", {"CrawlerName": ""}), "InvalidInputException",
                            member="CrawlerName")
        self.assertRawError(self.server.call("StopCrawlerSchedule", {}), "InvalidInputException", member="CrawlerName")

    def test_cli(self):
        name = self.crawler("cron(15 12 * * ? *)")
        r = self.server.cli("stop-crawler-schedule", "--crawler-name", name)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.server.cli("stop-crawler-schedule", "--crawler-name", name)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("SchedulerNotRunningException", r.stderr)
        r = self.server.cli("update-crawler-schedule", "--crawler-name", name, "--schedule", "cron(0 1 * * ? *)")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.server.cli("start-crawler-schedule", "--crawler-name", name)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.schedule(name), {"ScheduleExpression": "cron(0 1 * * ? *)", "State": "SCHEDULED"})


class ClockOptionsTest(unittest.TestCase):
    def test_bad_clock_options_are_refused(self):
        for args, words in ((["--clock-rate", "0"], "--clock-rate"), (["--clock-rate", "fast"], "--clock-rate"),
                            (["--clock-rate", "2000000"], "--clock-rate"),
                            (["--clock-start", "2030-02-30T00:00:00Z"], "--clock-start"),
                            (["--clock-start", "yesterday"], "ISO 8601")):
            r = run_binary(args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn(words, r.stderr)

    def test_help_says_the_clock_is_for_tests(self):
        r = run_binary(["--help"])
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"--clock-rate N\s+for tests")
        self.assertRegex(r.stdout, r"--clock-start TIME\s+for tests")


if __name__ == "__main__":
    unittest.main()


class DurableFireTest(ClockTest):
    """Each fire is recorded by (trigger, fire time) in the transaction that starts its work: a restart never fires a
    time twice, fire times that fell while glued was down are skipped and logged, --catch-up fires the latest once."""

    def restart_at(self, glued_time, kill=True, *more):
        if kill:
            self.srv.kill9()
        else:
            self.srv.stop_ok()
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(glued_time))
        self.srv.extra_args = ["--clock-rate", str(RATE), "--clock-start", when] + list(more)
        self.srv.start()
        self.glue = self.srv.client(fresh=True)

    def scheduled_job(self, **args):
        job = self.job(**args)
        trig = self.name("sched")
        self.glue.create_trigger(Name=trig, Type="SCHEDULED", Schedule=EVERY5, Actions=[{"JobName": job}],
                                 StartOnCreation=True)
        return job, trig

    def test_kill9_between_a_fire_and_its_jobs_end(self):
        """The job of a fire is still running when glued is killed; after the restart that run is ended as
        interrupted, and the same fire time is not fired again, even when the clock is set back before it."""
        job, trig = self.scheduled_job(sleep=60)
        first = self.wait_until(lambda: (lambda r: r[0] if r and r[0]["JobRunState"] == "RUNNING" else None)(
              self.job_runs(job)), "the first fire's job running")
        fire = slot(first["StartedOn"]) * SLOT
        self.addCleanup(self.stop_server)
        self.restart_at(fire - 60)  # one minute before the fire time it already fired
        def ended(rs):
            return rs if rs and rs[0]["JobRunState"] not in ("STARTING", "RUNNING", "STOPPING") else None
        runs = self.wait_until(lambda: ended(self.job_runs(job)), "recovery of the interrupted job run")
        self.assertEqual(runs[0]["Id"], first["Id"])
        self.assertEqual(runs[0]["JobRunState"], "FAILED")
        self.assertIn("glued restarted", runs[0]["ErrorMessage"])
        # the next fire happens, and the fire time before it was not fired a second time
        runs = self.wait_until(lambda: (lambda r: r if len(r) >= 2 else None)(self.job_runs(job)), "the next fire")
        self.assertEqual(len([r for r in runs if slot(r["StartedOn"]) == fire // SLOT]), 1,
                         f"fire time {fire} fired twice: {[r['StartedOn'] for r in runs]}")
        self.assertEqual(slot(runs[1]["StartedOn"]), fire // SLOT + 1)
        self.assertIn("was already fired", self.srv.stderr_text())

    def test_missed_fire_times_are_skipped_and_logged(self):
        job, trig = self.scheduled_job()
        first = self.wait_until(lambda: self.job_runs(job), "a first fire")[0]
        fire = slot(first["StartedOn"]) * SLOT
        self.restart_at(fire + 3 * SLOT + 120, kill=False)  # three fire times pass while glued is down
        log = self.srv.stderr_text()
        self.assertRegex(log, rf"trigger '{trig}' missed 3 fire times while glued was down .* they are skipped")
        runs = self.wait_until(lambda: (lambda r: r if len(r) >= 2 else None)(self.job_runs(job)), "the next fire")
        self.assertEqual(slot(runs[1]["StartedOn"]), fire // SLOT + 4, "a missed fire time was fired")

    def test_skipped_fire_times_are_not_missed_again(self):
        """Fire times skipped at one start are settled: the next start (up again before the next fire time) does not
        report them missed again, and its --catch-up does not fire one of them minutes late."""
        job, trig = self.scheduled_job()
        first = self.wait_until(lambda: self.job_runs(job), "a first fire")[0]
        fire = slot(first["StartedOn"]) * SLOT
        self.restart_at(fire + 3 * SLOT + 60, kill=False)  # three fire times pass while glued is down
        self.assertRegex(self.srv.stderr_text(), rf"trigger '{trig}' missed 3 fire times while glued was down")
        before = len(self.srv.stderr_text())
        self.restart_at(fire + 3 * SLOT + 120, True, "--catch-up")  # killed, and up again within the same slot
        self.sleep_glued(30)
        log = self.srv.stderr_text()[before:]
        self.assertIn("--catch-up", " ".join(self.srv.extra_args))
        self.assertNotIn(f"trigger '{trig}' missed", log)
        self.assertNotIn("catching up", log)
        self.assertEqual([r for r in self.job_runs(job) if slot(r["StartedOn"]) > fire // SLOT
                          and slot(r["StartedOn"]) <= fire // SLOT + 3], [], "a skipped fire time was fired")

    def test_catch_up_fires_the_latest_missed_time_once(self):
        job, trig = self.scheduled_job()
        first = self.wait_until(lambda: self.job_runs(job), "a first fire")[0]
        fire = slot(first["StartedOn"]) * SLOT
        self.restart_at(fire + 3 * SLOT + 120, False, "--catch-up")
        runs = self.wait_until(lambda: (lambda r: r if len(r) >= 2 else None)(self.job_runs(job)), "the catch-up fire")
        self.assertEqual(runs[1].get("TriggerName"), trig)
        self.assertRegex(self.srv.stderr_text(), rf"trigger '{trig}' missed 3 fire times .* --catch-up fires the most "
                                                 r"recent once")
        self.assertRegex(self.srv.stderr_text(), rf"trigger '{trig}' fired for \S+ \(catching up\)")
        # a second start with --catch-up at the same instant does not fire it again (its claim is recorded)
        self.restart_at(fire + 3 * SLOT + 120, False, "--catch-up")
        self.sleep_glued(SLOT + 60)
        by_slot = {}
        for r in self.job_runs(job):
            by_slot[slot(r["StartedOn"])] = by_slot.get(slot(r["StartedOn"]), 0) + 1
        self.assertEqual(by_slot.get(fire // SLOT + 3), 1, by_slot)
        self.assertLessEqual(max(by_slot.values()), 1, f"a fire time fired twice: {by_slot}")
