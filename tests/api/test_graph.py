"""The static workflow graph (GetWorkflow / BatchGetWorkflows with IncludeGraph): TRIGGER nodes for member triggers
carrying the full trigger, JOB and CRAWLER nodes for what they start or watch, edges trigger -> started and
watched -> trigger; chains, fan-out, fan-in, shared watchers, cycles, crawlers; updates and deletes reshaping the
graph; DeleteWorkflow removing its triggers only; UniqueIds stable across calls and restarts."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _res_helpers import NODE_ID_RE, ResTestCase, cond, pred  # noqa: E402


class GraphMixin:
    def graph(self, wf):
        g = self.get(wf, IncludeGraph=True)["Graph"]
        self.check_graph(g)
        return g

    def check_graph(self, g):
        """Structural checks every graph must pass; returns {UniqueId: node}."""
        nodes, edges = g.get("Nodes", []), g.get("Edges", [])
        ids = {}
        keys = set()
        for n in nodes:
            self.assertRegex(n["UniqueId"], NODE_ID_RE)
            self.assertNotIn(n["UniqueId"], ids, "duplicate UniqueId")
            self.assertIn(n["Type"], ("TRIGGER", "JOB", "CRAWLER"))
            self.assertNotIn((n["Type"], n["Name"]), keys, f"node {n['Type']} {n['Name']} appears twice")
            keys.add((n["Type"], n["Name"]))
            ids[n["UniqueId"]] = n
            if n["Type"] == "TRIGGER":
                self.assertEqual(n["TriggerDetails"]["Trigger"], self.gettrigger(n["Name"]),
                                 "TriggerDetails.Trigger is not the trigger as GetTrigger returns it")
                self.assertNotIn("JobDetails", n)
                self.assertNotIn("CrawlerDetails", n)
            else:
                for d in ("TriggerDetails", "JobDetails", "CrawlerDetails"):
                    self.assertFalse(n.get(d), f"static {n['Type']} node carries {d}")
        seen = set()
        for e in edges:
            self.assertIn(e["SourceId"], ids, "edge from an unknown node")
            self.assertIn(e["DestinationId"], ids, "edge to an unknown node")
            pair = (e["SourceId"], e["DestinationId"])
            self.assertNotIn(pair, seen, "duplicate edge")
            seen.add(pair)
            s, d = ids[e["SourceId"]]["Type"], ids[e["DestinationId"]]["Type"]
            self.assertTrue((s == "TRIGGER") != (d == "TRIGGER"), f"edge {s} -> {d} must join a trigger and a job/crawler")
        return ids

    def shape(self, g):
        """({(Type, Name)}, {((Type, Name), (Type, Name))}) of a graph."""
        by = {n["UniqueId"]: (n["Type"], n["Name"]) for n in g.get("Nodes", [])}
        return (set(by.values()), {(by[e["SourceId"]], by[e["DestinationId"]]) for e in g.get("Edges", [])})

    def ids(self, g):
        return {(n["Type"], n["Name"]): n["UniqueId"] for n in g.get("Nodes", [])}

    def canon(self, g):
        return (sorted((n["UniqueId"], n["Type"], n["Name"]) for n in g["Nodes"]),
                sorted((e["SourceId"], e["DestinationId"]) for e in g["Edges"]))


def T(n):
    return ("TRIGGER", n)


def J(n):
    return ("JOB", n)


def C(n):
    return ("CRAWLER", n)


class GraphShapeTest(ResTestCase, GraphMixin):
    def chain(self):
        """start ON_DEMAND t0 -> j1; CONDITIONAL t1 (j1 SUCCEEDED) -> j2."""
        wf = self.mkwf()
        j1, j2 = self.mkjob(), self.mkjob()
        t0 = self.mktrigger(WorkflowName=wf, actions=[j1])
        t1 = self.mktrigger(WorkflowName=wf, type="CONDITIONAL", Predicate=pred(cond(j1)), actions=[j2])
        return wf, j1, j2, t0, t1

    def test_empty_workflow(self):
        wf = self.mkwf()
        self.assertEqual(self.get(wf, IncludeGraph=True)["Graph"], {"Nodes": [], "Edges": []})
        self.assertNotIn("Graph", self.get(wf))

    def test_linear_chain(self):
        wf, j1, j2, t0, t1 = self.chain()
        g = self.graph(wf)
        self.assertEqual(self.shape(g), ({T(t0), T(t1), J(j1), J(j2)},
                                         {(T(t0), J(j1)), (J(j1), T(t1)), (T(t1), J(j2))}))
        self.assertEqual(len(g["Nodes"]), 4)
        self.assertEqual(len(g["Edges"]), 3)

    def test_start_trigger_only(self):
        wf = self.mkwf()
        j = self.mkjob()
        t = self.mktrigger(WorkflowName=wf, actions=[j])
        self.assertEqual(self.shape(self.graph(wf)), ({T(t), J(j)}, {(T(t), J(j))}))

    def test_fan_out(self):
        wf = self.mkwf()
        js = [self.mkjob() for _ in range(3)]
        t = self.mktrigger(WorkflowName=wf, type="SCHEDULED", Schedule="cron(0 5 * * ? *)", actions=js)
        self.assertEqual(self.shape(self.graph(wf)), ({T(t)} | {J(j) for j in js}, {(T(t), J(j)) for j in js}))

    def test_fan_in(self):
        wf = self.mkwf()
        js = [self.mkjob() for _ in range(3)]
        last = self.mkjob()
        t0 = self.mktrigger(WorkflowName=wf, actions=js)
        t1 = self.mktrigger(WorkflowName=wf, type="CONDITIONAL", actions=[last],
                            Predicate=pred(*[cond(j) for j in js], logical="AND"))
        nodes, edges = self.shape(self.graph(wf))
        self.assertEqual(nodes, {T(t0), T(t1), J(last)} | {J(j) for j in js})
        self.assertEqual(edges, {(T(t0), J(j)) for j in js} | {(J(j), T(t1)) for j in js} | {(T(t1), J(last))})

    def test_job_watched_by_two_triggers(self):
        wf = self.mkwf()
        j1, ok, bad = self.mkjob(), self.mkjob(), self.mkjob()
        t0 = self.mktrigger(WorkflowName=wf, actions=[j1])
        ts = self.mktrigger(WorkflowName=wf, type="CONDITIONAL", Predicate=pred(cond(j1, "SUCCEEDED")), actions=[ok])
        tf = self.mktrigger(WorkflowName=wf, type="CONDITIONAL", Predicate=pred(cond(j1, "FAILED")), actions=[bad])
        g = self.graph(wf)
        self.assertEqual([n["Name"] for n in g["Nodes"]].count(j1), 1, "the watched job must be a single node")
        nodes, edges = self.shape(g)
        self.assertEqual(nodes, {T(t0), T(ts), T(tf), J(j1), J(ok), J(bad)})
        self.assertEqual(edges, {(T(t0), J(j1)), (J(j1), T(ts)), (J(j1), T(tf)), (T(ts), J(ok)), (T(tf), J(bad))})

    def test_job_watched_twice_by_one_trigger_is_one_edge(self):
        wf = self.mkwf()
        j1, bad = self.mkjob(), self.mkjob()
        t0 = self.mktrigger(WorkflowName=wf, actions=[j1])
        tf = self.mktrigger(WorkflowName=wf, type="CONDITIONAL",
                            Predicate=pred(cond(j1, "FAILED"), cond(j1, "TIMEOUT"), logical="ANY"), actions=[bad])
        g = self.graph(wf)  # check_graph refuses duplicate edges
        self.assertEqual(self.shape(g), ({T(t0), T(tf), J(j1), J(bad)},
                                         {(T(t0), J(j1)), (J(j1), T(tf)), (T(tf), J(bad))}))
        self.assertEqual(len(g["Edges"]), 3)

    def test_job_started_twice_by_one_trigger_is_one_edge(self):
        wf = self.mkwf()
        j = self.mkjob()
        name = self.uname("trg")
        try:
            self.glue.create_trigger(Name=name, WorkflowName=wf, Type="ON_DEMAND",
                                     Actions=[{"JobName": j}, {"JobName": j, "Arguments": {"--x": "1"}}])
        except Exception as e:  # refusing the repeated action is fine too
            self.assertEqual(getattr(e, "response", {}).get("Error", {}).get("Code"), "InvalidInputException", e)
            return
        g = self.graph(wf)  # check_graph refuses duplicate edges
        self.assertEqual(self.shape(g), ({T(name), J(j)}, {(T(name), J(j))}))

    def test_job_started_by_two_triggers(self):
        wf = self.mkwf()
        a, b, shared = self.mkjob(), self.mkjob(), self.mkjob()
        t0 = self.mktrigger(WorkflowName=wf, actions=[a, b])
        ta = self.mktrigger(WorkflowName=wf, type="CONDITIONAL", Predicate=pred(cond(a)), actions=[shared])
        tb = self.mktrigger(WorkflowName=wf, type="CONDITIONAL", Predicate=pred(cond(b)), actions=[shared])
        nodes, edges = self.shape(self.graph(wf))
        self.assertEqual(nodes, {T(t0), T(ta), T(tb), J(a), J(b), J(shared)})
        self.assertIn((T(ta), J(shared)), edges)
        self.assertIn((T(tb), J(shared)), edges)
        self.assertEqual(len(edges), 6)

    def test_cycle_is_allowed(self):
        wf = self.mkwf()
        j1, j2 = self.mkjob(), self.mkjob()
        t0 = self.mktrigger(WorkflowName=wf, actions=[j1])
        t1 = self.mktrigger(WorkflowName=wf, type="CONDITIONAL", Predicate=pred(cond(j1)), actions=[j2])
        t2 = self.mktrigger(WorkflowName=wf, type="CONDITIONAL", Predicate=pred(cond(j2)), actions=[j1])
        nodes, edges = self.shape(self.graph(wf))
        self.assertEqual(nodes, {T(t0), T(t1), T(t2), J(j1), J(j2)})
        self.assertEqual(edges, {(T(t0), J(j1)), (J(j1), T(t1)), (T(t1), J(j2)), (J(j2), T(t2)), (T(t2), J(j1))})

    def test_pure_cycle_without_start_trigger(self):
        wf = self.mkwf()
        j1, j2 = self.mkjob(), self.mkjob()
        t1 = self.mktrigger(WorkflowName=wf, type="CONDITIONAL", Predicate=pred(cond(j1)), actions=[j2])
        t2 = self.mktrigger(WorkflowName=wf, type="CONDITIONAL", Predicate=pred(cond(j2)), actions=[j1])
        self.assertEqual(self.shape(self.graph(wf))[1],
                         {(J(j1), T(t1)), (T(t1), J(j2)), (J(j2), T(t2)), (T(t2), J(j1))})

    def test_crawler_nodes(self):
        wf = self.mkwf()
        cr, j = self.mkcrawler(), self.mkjob()
        t0 = self.mktrigger(WorkflowName=wf, actions=[{"CrawlerName": cr}])
        t1 = self.mktrigger(WorkflowName=wf, type="CONDITIONAL", actions=[j],
                            Predicate=pred(cond(crawler=cr, crawl_state="SUCCEEDED")))
        g = self.graph(wf)
        self.assertEqual(self.shape(g), ({T(t0), T(t1), C(cr), J(j)},
                                         {(T(t0), C(cr)), (C(cr), T(t1)), (T(t1), J(j))}))

    def test_job_and_crawler_of_same_name_are_two_nodes(self):
        wf = self.mkwf()
        name = self.uname("same")
        self.mkjob(name=name)
        self.mkcrawler(name=name)
        t0 = self.mktrigger(WorkflowName=wf, actions=[name, {"CrawlerName": name}])
        g = self.graph(wf)
        self.assertEqual(self.shape(g), ({T(t0), J(name), C(name)}, {(T(t0), J(name)), (T(t0), C(name))}))

    def test_only_member_triggers_count(self):
        wf, other = self.mkwf(), self.mkwf()
        j1, j2, j3 = self.mkjob(), self.mkjob(), self.mkjob()
        t0 = self.mktrigger(WorkflowName=wf, actions=[j1])
        # a standalone trigger and another workflow's triggers touching the same jobs stay out
        self.mktrigger(type="CONDITIONAL", Predicate=pred(cond(j1)), actions=[j3])
        o0 = self.mktrigger(WorkflowName=other, actions=[j2])
        o1 = self.mktrigger(WorkflowName=other, type="CONDITIONAL", Predicate=pred(cond(j2)), actions=[j1])
        self.assertEqual(self.shape(self.graph(wf)), ({T(t0), J(j1)}, {(T(t0), J(j1))}))
        self.assertEqual(self.shape(self.graph(other)), ({T(o0), T(o1), J(j1), J(j2)},
                                                         {(T(o0), J(j2)), (J(j2), T(o1)), (T(o1), J(j1))}))

    def test_trigger_details_follow_state_changes(self):
        wf, j1, j2, t0, t1 = self.chain()
        self.glue.start_trigger(Name=t1)
        g = self.graph(wf)  # check_graph compares TriggerDetails with GetTrigger
        det = {n["Name"]: n["TriggerDetails"]["Trigger"] for n in g["Nodes"] if n["Type"] == "TRIGGER"}
        self.assertEqual(det[t1]["State"], "ACTIVATED")
        self.assertEqual(det[t1]["WorkflowName"], wf)
        self.assertEqual(det[t1]["Predicate"]["Conditions"], [cond(j1)])
        self.assertEqual(det[t0]["Actions"], [{"JobName": j1}])

    def test_ids_stable_across_calls_and_apis(self):
        wf, j1, j2, t0, t1 = self.chain()
        g1, g2 = self.graph(wf), self.graph(wf)
        self.assertEqual(self.canon(g1), self.canon(g2))
        b = self.glue.batch_get_workflows(Names=[wf], IncludeGraph=True)["Workflows"][0]["Graph"]
        self.assertEqual(self.canon(b), self.canon(g1))
        raw = self.raw_ok("GetWorkflow", {"Name": wf, "IncludeGraph": True})["Workflow"]["Graph"]
        self.assertEqual(self.canon(raw), self.canon(g1))
        self.assertNotIn("Graph", self.glue.batch_get_workflows(Names=[wf])["Workflows"][0])

    def test_update_reshapes_graph_and_keeps_ids(self):
        wf, j1, j2, t0, t1 = self.chain()
        before = self.ids(self.graph(wf))
        j3, cr = self.mkjob(), self.mkcrawler()
        self.glue.update_trigger(Name=t1, TriggerUpdate={"Predicate": pred(cond(j1, "FAILED")),
                                                         "Actions": [{"JobName": j3}, {"CrawlerName": cr}]})
        g = self.graph(wf)
        self.assertEqual(self.shape(g), ({T(t0), T(t1), J(j1), J(j3), C(cr)},
                                         {(T(t0), J(j1)), (J(j1), T(t1)), (T(t1), J(j3)), (T(t1), C(cr))}))
        after = self.ids(g)
        for k in (T(t0), T(t1), J(j1)):
            self.assertEqual(after[k], before[k], f"{k} changed UniqueId across an update of another node")
        # the watched job moves: j1 now only started, j2 watched
        self.glue.update_trigger(Name=t1, TriggerUpdate={"Predicate": pred(cond(j2)), "Actions": [{"JobName": j3}]})
        self.assertEqual(self.shape(self.graph(wf)), ({T(t0), T(t1), J(j1), J(j2), J(j3)},
                                                      {(T(t0), J(j1)), (J(j2), T(t1)), (T(t1), J(j3))}))

    def test_update_start_trigger_actions(self):
        wf, j1, j2, t0, t1 = self.chain()
        j4 = self.mkjob()
        self.glue.update_trigger(Name=t0, TriggerUpdate={"Actions": [{"JobName": j1}, {"JobName": j4}]})
        nodes, edges = self.shape(self.graph(wf))
        self.assertIn(J(j4), nodes)
        self.assertIn((T(t0), J(j4)), edges)
        self.assertEqual(len(edges), 4)

    def test_delete_trigger_reshapes_graph(self):
        wf, j1, j2, t0, t1 = self.chain()
        self.glue.delete_trigger(Name=t1)
        self.assertEqual(self.shape(self.graph(wf)), ({T(t0), J(j1)}, {(T(t0), J(j1))}))
        self.glue.delete_trigger(Name=t0)
        self.assertEqual(self.get(wf, IncludeGraph=True)["Graph"], {"Nodes": [], "Edges": []})

    def test_delete_start_trigger_keeps_watched_job(self):
        wf, j1, j2, t0, t1 = self.chain()
        self.glue.delete_trigger(Name=t0)
        self.assertEqual(self.shape(self.graph(wf)), ({T(t1), J(j1), J(j2)}, {(J(j1), T(t1)), (T(t1), J(j2))}))

    def test_deleted_job_still_named_by_a_trigger(self):
        wf, j1, j2, t0, t1 = self.chain()
        self.glue.delete_job(JobName=j2)
        # the trigger still names it; the graph reflects the trigger definitions
        nodes, _ = self.shape(self.graph(wf))
        self.assertIn(T(t1), nodes)

    def test_delete_workflow_deletes_triggers_keeps_jobs_and_crawlers(self):
        wf = self.mkwf()
        j1, j2, cr = self.mkjob(), self.mkjob(), self.mkcrawler()
        tag = {"gone-with": wf}
        t0 = self.mktrigger(WorkflowName=wf, actions=[j1, {"CrawlerName": cr}], Tags=tag)
        t1 = self.mktrigger(WorkflowName=wf, type="CONDITIONAL", Predicate=pred(cond(j1)), actions=[j2], Tags=tag)
        self.assertEqual(self.glue.list_triggers(Tags=tag)["TriggerNames"], sorted([t0, t1]))
        outside = self.mktrigger(actions=[j1])
        other_wf = self.mkwf()
        other = self.mktrigger(WorkflowName=other_wf, actions=[j2])
        self.assertEqual(self.glue.delete_workflow(Name=wf)["Name"], wf)
        for t in (t0, t1):
            self.assertTrue(self.missing(self.glue.get_trigger, Name=t), f"trigger {t} survived DeleteWorkflow")
        names = self.pages(self.glue.list_triggers, "TriggerNames", max_results=200)[0]
        self.assertNotIn(t0, names)
        self.assertNotIn(t1, names)
        self.assertIn(outside, names)
        self.assertIn(other, names)
        self.assertEqual(self.gettrigger(other)["WorkflowName"], other_wf)
        for j in (j1, j2):
            self.assertEqual(self.getjob(j)["Name"], j)
        self.assertEqual(self.getcrawler(cr)["Name"], cr)
        self.assertEqual(self.glue.list_triggers(Tags=tag)["TriggerNames"], [], "deleted triggers still listed by tag")
        # the names are free again, and a recreated workflow of the same name starts empty
        self.mkwf(name=wf)
        self.assertEqual(self.get(wf, IncludeGraph=True)["Graph"], {"Nodes": [], "Edges": []})
        self.mktrigger(name=t0, WorkflowName=wf, actions=[j1])
        self.assertEqual(self.tags("trigger", t0), {}, "a recreated trigger inherited the old one's tags")


class GraphRestartTest(ResTestCase, GraphMixin):
    def test_graph_and_ids_survive_restart(self):
        wf = self.mkwf()
        j1, j2, j3, cr = self.mkjob(), self.mkjob(), self.mkjob(), self.mkcrawler()
        t0 = self.mktrigger(WorkflowName=wf, actions=[j1, {"CrawlerName": cr}])
        self.mktrigger(WorkflowName=wf, type="CONDITIONAL", actions=[j2],
                       Predicate=pred(cond(j1), cond(crawler=cr), logical="AND"))
        self.mktrigger(WorkflowName=wf, type="CONDITIONAL", actions=[j3], Predicate=pred(cond(j2, "FAILED")),
                       StartOnCreation=True)
        before = self.graph(wf)
        self.server.restart()
        type(self).glue = self.server.client()
        after = self.graph(wf)
        self.assertEqual(self.canon(after), self.canon(before))
        self.assertEqual(sorted(n["UniqueId"] for n in after["Nodes"]),
                         sorted(n["UniqueId"] for n in before["Nodes"]))
        tb = {n["Name"]: n["TriggerDetails"]["Trigger"] for n in before["Nodes"] if n["Type"] == "TRIGGER"}
        ta = {n["Name"]: n["TriggerDetails"]["Trigger"] for n in after["Nodes"] if n["Type"] == "TRIGGER"}
        self.assertEqual(ta, tb)
        # an update after the restart keeps the surviving nodes' ids
        j4 = self.mkjob()
        self.glue.update_trigger(Name=t0, TriggerUpdate={"Actions": [{"JobName": j1}, {"JobName": j4},
                                                                     {"CrawlerName": cr}]})
        again = self.ids(self.graph(wf))
        for k, v in self.ids(before).items():
            self.assertEqual(again[k], v, f"{k} changed UniqueId")
