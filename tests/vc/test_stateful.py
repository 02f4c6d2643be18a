"""Model-based test: random append/update/pop/commit/checkout/branch/merge/reset
against an in-memory model of every version's contents."""

from __future__ import annotations

import itertools
import os

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import deeplake_core as deeplake
from deeplake_core.core.vc import graph
from deeplake_core.exceptions import EmptyCommitError, MergeConflictError

_paths = itertools.count()
Row = tuple[int, int, int]  # (sample id, value, write id)


class VCMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.path = f"mem://vc-sm-{next(_paths)}"
        self.ds = deeplake.empty(self.path)
        self.ds.create_tensor("x", dtype="int64")
        self.ds.commit("create")  # the model starts from a committed empty tensor
        self.sid = itertools.count(1)
        self.wid = itertools.count(1)
        self.commits: dict[str, list[Row]] = {self.ds.commit_id: []}
        self.branches: dict[str, dict] = {"main": {"rows": [], "dirty": False}}
        self.at: tuple[str, str] = ("branch", "main")

    # -- model helpers ------------------------------------------------------------
    def _rows(self) -> list[Row]:
        kind, name = self.at
        return self.branches[name]["rows"] if kind == "branch" else self.commits[name]

    def _before_write(self) -> None:
        kind, name = self.at
        if kind == "commit":  # a write at a commit moves to a new branch
            return
        self.branches[name]["dirty"] = True

    def _after_write(self, rows: list[Row]) -> None:
        kind, name = self.at
        if kind == "commit":
            branch = self.ds.branch
            assert branch not in self.branches
            self.branches[branch] = {"rows": rows, "dirty": True}
            self.at = ("branch", branch)
        else:
            self.branches[name]["rows"] = rows
            self.branches[name]["dirty"] = True

    def _auto_commit(self, pending: str, need: bool = False) -> None:
        kind, name = self.at
        if kind != "branch":
            return
        b = self.branches[name]
        if b["dirty"] or (need and graph.head_parent(self.ds.storage, pending) is None):
            self.commits[pending] = list(b["rows"])
            b["dirty"] = False

    # -- rules ----------------------------------------------------------------------
    @rule(value=st.integers(-3, 3))
    def append(self, value: int) -> None:
        rows = list(self._rows())
        self.ds.x.append(value)
        rows.append((next(self.sid), value, next(self.wid)))
        self._after_write(rows)

    @precondition(lambda self: len(self._rows()) > 0)
    @rule(i=st.integers(0, 10**6), value=st.integers(-3, 3))
    def update(self, i: int, value: int) -> None:
        rows = list(self._rows())
        i %= len(rows)
        self.ds.x[i] = value
        rows[i] = (rows[i][0], value, next(self.wid))
        self._after_write(rows)

    @precondition(lambda self: len(self._rows()) > 0)
    @rule(i=st.integers(0, 10**6))
    def pop(self, i: int) -> None:
        rows = list(self._rows())
        i %= len(rows)
        self.ds.x.pop(i)
        del rows[i]
        self._after_write(rows)

    @rule()
    def commit(self) -> None:
        kind, name = self.at
        if kind == "commit" or not self.branches[name]["dirty"]:
            with pytest.raises(EmptyCommitError):
                self.ds.commit("nothing")
            return
        cid = self.ds.commit("work")
        self.commits[cid] = list(self.branches[name]["rows"])
        self.branches[name]["dirty"] = False

    @rule(data=st.data())
    def checkout_branch(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(list(self.branches)))
        if self.at != ("branch", name):  # checking out the current branch is a no-op
            self._auto_commit(self.ds.pending_commit_id)
        self.ds.checkout(name)
        self.at = ("branch", name)

    @precondition(lambda self: len(self.branches) < 5)
    @rule()
    def create_branch(self) -> None:
        name = f"b{len(self.branches)}"
        self._auto_commit(self.ds.pending_commit_id, need=True)
        base = self._rows()
        self.ds.checkout(name, create=True)
        self.branches[name] = {"rows": list(base), "dirty": False}
        self.at = ("branch", name)

    @rule(data=st.data())
    def checkout_commit(self, data: st.DataObject) -> None:
        cid = data.draw(st.sampled_from(list(self.commits)))
        if self.at != ("commit", cid):
            self._auto_commit(self.ds.pending_commit_id)
        self.ds.checkout(cid)
        heads = graph.branch_heads(self.ds.storage)
        assert cid not in heads.values()
        self.at = ("commit", cid)

    @precondition(lambda self: self.at[0] == "branch")
    @rule()
    def reset(self) -> None:
        name = self.at[1]
        self.ds.reset()
        parent = graph.head_parent(self.ds.storage, self.ds.version_id)
        self.branches[name] = {"rows": list(self.commits[parent]) if parent else [], "dirty": False}

    @precondition(lambda self: self.at[0] == "branch" and len(self.branches) > 1)
    @rule(data=st.data(), strategy=st.sampled_from([None, "ours", "theirs"]))
    def merge(self, data: st.DataObject, strategy: str | None) -> None:
        me = self.at[1]
        other = data.draw(st.sampled_from([b for b in self.branches if b != me]))
        storage = self.ds.storage
        their_head = graph.branch_heads(storage)[other]
        theirs_id = graph.head_parent(storage, their_head)
        if theirs_id is None:
            return
        base_id = graph.common_ancestor(storage, self.ds.version_id, theirs_id)
        ours = list(self.branches[me]["rows"])
        if base_id == theirs_id:
            pending = self.ds.pending_commit_id
            self.ds.merge(other, conflict_resolution=strategy)
            assert self.ds.pending_commit_id == pending
            return
        merged, conflict = self._model_merge(
            self.commits[base_id] if base_id else [], ours, self.commits[theirs_id], strategy
        )
        pending = self.ds.pending_commit_id
        if conflict and strategy is None:
            with pytest.raises(MergeConflictError):
                self.ds.merge(other)
            return
        self.ds.merge(other, conflict_resolution=strategy)
        self.commits[pending] = merged
        self.branches[me] = {"rows": list(merged), "dirty": False}

    def _model_merge(self, base, ours, theirs, strategy):
        """The merge rule on values: a side changed a row when its value differs from
        the base's (so rows copied by earlier merges never look edited)."""
        b = {r[0]: r for r in base}
        o_index = {r[0]: i for i, r in enumerate(ours)}
        t_ids = {r[0] for r in theirs}
        out = list(ours)
        conflict = False
        updates, pops, appends = [], [], []
        for r in theirs:
            sid = r[0]
            if sid not in b:
                if sid not in o_index:
                    appends.append(r)
                continue
            if r[1] == b[sid][1]:
                continue  # unchanged on theirs
            if sid not in o_index:
                conflict = True
                if strategy == "theirs":
                    appends.append(r)
                continue
            o = ours[o_index[sid]]
            if o[1] == r[1]:
                continue
            if o[1] != b[sid][1]:
                conflict = True
                if strategy == "theirs":
                    updates.append((o_index[sid], r))
            else:
                updates.append((o_index[sid], r))
        for sid in b:
            if sid not in t_ids and sid in o_index:
                if ours[o_index[sid]][1] != b[sid][1]:
                    conflict = True
                    if strategy == "theirs":
                        pops.append(o_index[sid])
                else:
                    pops.append(o_index[sid])
        for i, r in updates:
            out[i] = (r[0], r[1], next(self.wid))
        for i in sorted(set(pops), reverse=True):
            del out[i]
        for r in appends:
            out.append((r[0], r[1], next(self.wid)))
        return out, conflict

    @rule()
    def reopen(self) -> None:
        kind, name = self.at
        self.ds.close()
        if kind == "branch":
            self.ds = deeplake.load(f"{self.path}@{name}")
        else:
            self.ds = deeplake.load(f"{self.path}@{name}")

    # -- invariants -----------------------------------------------------------------
    @invariant()
    def current_matches(self) -> None:
        got = self.ds.x.numpy().reshape(-1).tolist()
        assert got == [r[1] for r in self._rows()]

    @invariant()
    def every_commit_matches(self) -> None:
        from deeplake_core.core.vc.tags import open_version

        for cid, rows in self.commits.items():
            old = open_version(self.ds._state, cid)
            assert old.x.numpy().reshape(-1).tolist() == [r[1] for r in rows], cid

    def teardown(self) -> None:
        self.ds.close()


TestVC = VCMachine.TestCase
TestVC.settings = settings(
    max_examples=int(os.environ.get("VC_SM_EXAMPLES", "60")),
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
