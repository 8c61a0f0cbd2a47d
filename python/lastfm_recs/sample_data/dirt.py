"""Deliberate dirt of the raw files: row-level and line-level faults of the
plays file, and the profile file with its faults."""
from __future__ import annotations

import numpy as np

from lastfm_recs.sample_data.catalogue import Catalogue
from lastfm_recs.sample_data.listeners import AGE_EMPTY, Chunk, Users
from lastfm_recs.sample_data.plan import Plan


def inject_row_dirt(rng: np.random.Generator, cat: Catalogue, ch: Chunk,
                    q: dict[str, int]) -> tuple[Chunk, dict[str, int]]:
    """Row-level dirt on disjoint rows: a second spelling of the same MBID for
    the same user (plays split between the two rows), a valid MBID with an
    empty name, zero plays, negative plays. Rows end up sorted by user, then
    plays descending. Returns the new chunk and the counts injected."""
    done: dict[str, int] = {}
    mbid_rows = np.flatnonzero(ch.artist >= 0)
    splittable = mbid_rows[(cat.n_spell[ch.artist[mbid_rows]] >= 2) & (ch.plays[mbid_rows] >= 2)]
    split = rng.choice(splittable, size=min(q["two_spellings_one_user"], splittable.size), replace=False)
    done["two_spellings_one_user"] = split.size
    free = ch.artist >= 0
    free[split] = False
    rest = np.flatnonzero(free)
    kinds = ("empty_name_with_mbid", "zero_plays", "negative_plays")
    picked = rng.choice(rest, size=min(sum(q[k] for k in kinds), rest.size), replace=False)
    plays, empty_name = ch.plays.copy(), ch.empty_name.copy()
    start = 0
    for kind in kinds:
        rows = picked[start:start + q[kind]]
        start += rows.size
        done[kind] = rows.size
        if kind == "empty_name_with_mbid":
            empty_name[rows] = True
        elif kind == "zero_plays":
            plays[rows] = 0
        else:
            plays[rows] = -np.array([1, 5, 20, 100, 3])[np.arange(rows.size) % 5]

    a = ch.artist[split]
    start_sp, n_sp = cat.spell_start[a], cat.n_spell[a]
    other = start_sp + (ch.text[split] - start_sp + 1 + rng.integers(0, n_sp - 1)) % n_sp
    moved = np.maximum(1, np.floor(plays[split] * rng.uniform(0.05, 0.45, split.size))).astype(np.int64)
    plays[split] -= moved
    user = np.concatenate([ch.user, ch.user[split]])
    artist = np.concatenate([ch.artist, a])
    text = np.concatenate([ch.text, other])
    plays = np.concatenate([plays, moved])
    empty_name = np.concatenate([empty_name, np.zeros(split.size, dtype=bool)])
    order = np.lexsort((-plays, user))
    return Chunk(user[order], artist[order], text[order], plays[order], empty_name[order]), done


def format_play_lines(rng: np.random.Generator, cat: Catalogue, users: Users, ch: Chunk,
                      q: dict[str, int]) -> tuple[list[str], dict[str, int]]:
    """Lines of the plays file for a chunk, with line-level dirt: malformed
    lines (too few / too many fields, non-numeric plays, empty) inserted in
    the block of a random user, and ``\\r\\n`` endings."""
    ids, texts = users.ids, cat.texts
    rows = zip(ch.user.tolist(), ch.text.tolist(), ch.plays.tolist(), strict=True)
    lines = [f"{ids[u]}\t{texts[t]}\t{p}" for u, t, p in rows]
    for i in np.flatnonzero(ch.empty_name).tolist():
        lines[i] = f"{ids[ch.user[i]]}\t{cat.mbids[ch.artist[i]]}\t\t{ch.plays[i]}"
    done = {"plays_crlf": min(q["plays_crlf"], len(lines))}
    for i in rng.choice(len(lines), size=done["plays_crlf"], replace=False).tolist():
        lines[i] += "\r"

    bad: list[tuple[int, str]] = []  # (row after which to insert, line)
    non_numeric = ["12a", "abc", "1.5", "", "1,234", "NaN"]
    for kind in ("plays_too_few_fields", "plays_too_many_fields", "plays_non_numeric", "plays_empty_line"):
        done[kind] = q[kind] if len(ch.user) else 0
        for j in range(done[kind]):
            i = int(rng.integers(0, len(ch.user)))
            uid, text, p = ids[ch.user[i]], texts[ch.text[i]], ch.plays[i]
            mbid, name = text.split("\t")
            if kind == "plays_too_few_fields":
                line = f"{uid}\t{name}\t{p}" if j % 2 == 0 else f"{uid}\t{mbid}"
            elif kind == "plays_too_many_fields":
                line = f"{uid}\t{mbid}\t{name}\tlive\t{p}" if j % 2 == 0 else f"{uid}\t{text}\t{p}\t"
            elif kind == "plays_non_numeric":
                line = f"{uid}\t{text}\t{non_numeric[j % len(non_numeric)]}"
            else:
                line = ""
            bad.append((i, line))
    # insert each bad line in its user's block, last position first so that
    # the row positions still hold
    for i, line in sorted(bad, key=lambda x: -x[0]):
        lines.insert(i + 1, line)
    return lines, done


# --- profile -----------------------------------------------------------------
def profile_lines(rng: np.random.Generator, plan: Plan, users: Users,
                  countries: list[str]) -> tuple[list[str], dict[str, int]]:
    """Lines of the profile file, with dirt: invalid ages (-1337 and 1002
    first), empty signup dates, duplicate users (the second row differs),
    malformed lines and ``\\r\\n`` endings. Users without a profile are
    left out."""
    with_profile = np.flatnonzero(users.has_profile)
    n = with_profile.size
    d = {k: min(v, n) for k, v in plan.dirt.items()}  # tiny datasets: at most one of each per user
    age = users.age.copy()
    chosen = rng.choice(with_profile, size=min(n, d["age_negative"] + d["age_over_100"]), replace=False)
    neg, over = chosen[:d["age_negative"]], chosen[d["age_negative"]:]
    age[neg] = np.array([-1337, -1, -5, -20, -100])[np.arange(neg.size) % 5]
    age[over] = np.array([1002, 101, 109, 113, 999])[np.arange(over.size) % 5]
    signup = list(users.signup)
    for i in rng.choice(with_profile, size=d["signup_empty"], replace=False).tolist():
        signup[i] = ""

    def fields(i: int, a: int, c: int) -> list[str]:
        return [users.ids[i], str(users.gender[i]), "" if a == AGE_EMPTY else str(a),
                countries[c] if c >= 0 else "", signup[i]]

    extra: dict[int, list[str]] = {}
    dupes = rng.choice(with_profile, size=d["duplicate_profile"], replace=False)
    for j, i in enumerate(dupes.tolist()):  # the second row always has another age
        old_age = int(age[i])
        new_age = 20 + j if old_age == AGE_EMPTY else AGE_EMPTY if j % 3 == 0 else old_age + 1 + j
        new_country = int(rng.integers(0, len(countries))) if j % 3 != 1 else -1
        extra.setdefault(i, []).append("\t".join(fields(i, new_age, new_country)))
    for kind in ("profile_too_few_fields", "profile_too_many_fields", "profile_empty_line"):
        for i in rng.choice(with_profile, size=d[kind]).tolist():
            f = fields(i, int(age[i]), int(users.country[i]))
            line = {"profile_too_few_fields": "\t".join(f[:4]), "profile_too_many_fields": "\t".join(f + ["extra"]),
                    "profile_empty_line": ""}[kind]
            extra.setdefault(i, []).append(line)

    lines: list[str] = []
    for i in with_profile.tolist():
        lines.append("\t".join(fields(i, int(age[i]), int(users.country[i]))))
        lines.extend(extra.get(i, []))
    crlf = [i for i in rng.choice(len(lines), size=min(len(lines), d["profile_crlf"]), replace=False).tolist()
            if lines[i]]
    for i in crlf:
        lines[i] += "\r"
    done = {k: d[k] for k in ("signup_empty", "duplicate_profile",
                              "profile_too_few_fields", "profile_too_many_fields", "profile_empty_line")}
    done["age_negative"], done["age_over_100"] = neg.size, over.size
    done["profile_crlf"] = len(crlf)
    done["age_empty"] = int((age[with_profile] == AGE_EMPTY).sum())
    done["gender_empty"] = int((users.gender[with_profile] == "").sum())
    done["country_empty"] = int((users.country[with_profile] < 0).sum())
    return lines, done
