"""Vectorised matching of wanted keys to candidates with the same key (mentors, referrers, successors)."""

from __future__ import annotations

import numpy as np


def group_pick(rng, cand_keys, cand_vals, want_keys):
    """For each wanted key, a uniformly random candidate value with that key (-1 if none)."""
    want_keys = np.asarray(want_keys)
    if len(cand_keys) == 0 or len(want_keys) == 0:
        return np.full(len(want_keys), -1, dtype=np.int64)
    order = np.argsort(cand_keys, kind="stable")
    ks, vs = cand_keys[order], cand_vals[order]
    lo = np.searchsorted(ks, want_keys, "left")
    cnt = np.searchsorted(ks, want_keys, "right") - lo
    pick = lo + np.floor(rng.random(len(want_keys)) * cnt).astype(np.int64)
    return np.where(cnt > 0, vs[np.minimum(pick, len(vs) - 1)], -1)


def best_distinct(need_keys, cand_keys, cand_vals, cand_score):
    """The j-th need of a key gets the j-th best candidate of that key (-1 if none left)."""
    need_keys = np.asarray(need_keys)
    out = np.full(len(need_keys), -1, dtype=np.int64)
    if len(cand_keys) == 0 or len(need_keys) == 0:
        return out
    co = np.lexsort((-cand_score, cand_keys))
    ck, cv = cand_keys[co], cand_vals[co]
    no = np.argsort(need_keys, kind="stable")
    nk = need_keys[no]
    first = np.searchsorted(nk, nk, "left")
    rank = np.arange(len(nk)) - first
    lo = np.searchsorted(ck, nk, "left")
    cnt = np.searchsorted(ck, nk, "right") - lo
    ok = rank < cnt
    res = np.full(len(nk), -1, dtype=np.int64)
    res[ok] = cv[lo[ok] + rank[ok]]
    out[no] = res
    return out
